"""Facebook Pages and Messenger: Page comments, visitor posts and Messenger messages in, replies out.

client.py      facebook-sdk behind GraphClient: pinned Graph version, usage headers, errors sorted
payloads.py    Graph webhook and polled shapes -> InboundMessage (pure)
replies.py     the reply routes and windows (comment, private reply, Messenger 24 h / 7 days)
connector.py   FacebookConnector: poll, send, reply rules, the thread of what comes in
events.py      a verified webhook body: each entry routed to its Page's channel, into inbox actions
webhook.py     FacebookWebhookRequest: Meta's subscription check and signed deliveries
admin.py       the settings pages under /settings/channels/facebook/
"""
