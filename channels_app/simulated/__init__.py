"""The simulated channel: realistic traffic through the same ingest path as the real connectors.

It has no platform, so no client.py, webhook.py or admin.py: payloads.py makes the messages a
platform would send and connector.py is the poll, the instant "delivery" and the reply rules.
"""
