"""Parley's ASGI application plus a websocket echo: the baseline of bench/queue_view.py.

The echo is a bare round trip on the same server (no database, no channel layer), so the live
update latency reads against what the server and the socket alone cost. Production routing
(inbox/routing.py) has no such endpoint; only the bench serves this module:

    daphne bench.asgi:application
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from config.asgi import application as parley

ECHO_PATH = "/ws/bench-echo/"


class EchoConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=text_data, bytes_data=bytes_data)


_echo = EchoConsumer.as_asgi()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket" and scope["path"] == ECHO_PATH:
        await _echo(scope, receive, send)
        return
    await parley(scope, receive, send)
