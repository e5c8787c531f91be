"""X's webhook request: the CRC challenge (GET) and signed event deliveries (POST).

The URL shown to admins is /webhooks/x?channel=<id>; without ?channel= the single active X channel
is used. Both the CRC response and the body signature are HMAC-SHA256 with the channel's consumer
(API key) secret, base64-encoded and prefixed "sha256=". Verified bodies are stored and processed in
Celery (channels_app.webhooks, then channels_app.x.events).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse, JsonResponse

from channels_app.base import WebhookRejected
from channels_app.x.events import route_payload
from inbox.models import Channel, ChannelKind, ChannelStatus

SIGNATURE_HEADER = "x-twitter-webhooks-signature"

# X's crc_token is an opaque base64 string of a few dozen characters. The CRC answer is signed the
# way event bodies are, so it must never sign anything that could be a body: every event body is a
# JSON object, and "{" or '"' never fits this shape.
CRC_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_\-+/]{1,128}={0,2}")


def sign(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def _channel(request: HttpRequest) -> Channel:
    live = Channel.objects.filter(kind=ChannelKind.X).exclude(status=ChannelStatus.DISABLED)
    wanted = request.GET.get("channel")
    if wanted is not None:
        if not wanted.isdigit():
            raise WebhookRejected("bad channel parameter", 404)
        channel = live.filter(pk=int(wanted)).first()
        if channel is None:
            raise WebhookRejected("unknown channel", 404)
        return channel
    candidates = list(live.filter(status=ChannelStatus.ACTIVE)[:2])
    if len(candidates) != 1:
        raise WebhookRejected("channel parameter required", 404)
    return candidates[0]


class XWebhookRequest:
    source: ClassVar[str] = "x"

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self._payload: dict[str, Any] | None = None
        self._channel: Channel | None = None

    def _secret(self) -> tuple[Channel, str]:
        channel = _channel(self.request)
        secret = str(channel.credentials.get("consumer_secret") or "")
        if not secret:
            raise WebhookRejected("channel has no consumer secret", 404)
        return channel, secret

    def challenge(self) -> HttpResponse:
        _, secret = self._secret()
        crc_token = self.request.GET.get("crc_token", "")
        if not crc_token:
            raise WebhookRejected("missing crc_token", 400)
        if not CRC_TOKEN_SHAPE.fullmatch(crc_token):
            raise WebhookRejected("malformed crc_token", 400)
        return JsonResponse({"response_token": sign(secret, crc_token.encode())})

    def validate(self) -> None:
        channel, secret = self._secret()
        signature = self.request.headers.get(SIGNATURE_HEADER, "")
        if not signature:
            raise WebhookRejected("missing signature", 403)
        if not hmac.compare_digest(signature.encode(), sign(secret, self.request.body).encode()):
            raise WebhookRejected("bad signature", 403)
        try:
            payload = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("malformed JSON", 400) from None
        if not isinstance(payload, dict):
            raise WebhookRejected("malformed JSON", 400)
        # Several channels may share one X app (one webhook); a body signed with this channel's app
        # secret must not speak for an account connected through another app.
        target = route_payload(payload)
        if target is not None and target.pk != channel.pk and target.credentials.get("consumer_secret") != secret:
            raise WebhookRejected("signed for another app", 403)
        self._payload, self._channel = payload, target

    @property
    def payload(self) -> dict[str, Any]:
        assert self._payload is not None, "validate() first"
        return self._payload

    @property
    def channel(self) -> Channel | None:
        """The channel of the account the delivery is for (not the ?channel= whose secret signed it)."""
        assert self._payload is not None, "validate() first"
        return self._channel

    def acknowledge(self) -> HttpResponse:
        return HttpResponse(status=200)
