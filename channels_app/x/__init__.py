"""The X (Twitter) channel: client (tweepy), payloads, connector, webhook request, events, admin pages."""
