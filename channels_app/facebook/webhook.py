"""Facebook's webhook request: Meta's subscription check (GET) and signed event deliveries (POST).

A POST is verified over the raw body before it is parsed: X-Hub-Signature-256 is `sha256=` + hex
HMAC-SHA256 of the body keyed with the app secret. Every entry's Page must belong to the app whose
secret signed it. Verified bodies are stored and processed in Celery (channels_app.webhooks).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse

from channels_app.base import WebhookRejected
from channels_app.facebook.events import route_payload
from inbox.models import Channel, ChannelKind, ChannelStatus

SOURCE = "facebook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def _live_channels() -> list[Channel]:
    return list(Channel.objects.filter(kind=ChannelKind.FACEBOOK).exclude(status=ChannelStatus.DISABLED).order_by("pk"))


class FacebookSignature:
    """Checks X-Hub-Signature-256 against the app secrets of the Facebook channels."""

    def __init__(self, request: HttpRequest) -> None:
        self.body = request.body
        self.header = request.headers.get(SIGNATURE_HEADER, "")
        self.sha1_only = not self.header and bool(request.headers.get("X-Hub-Signature"))

    def problem(self) -> str:
        """Why the header cannot be right, before any secret is tried; "" when it is well formed."""
        if not self.header:
            return "only a SHA-1 signature (X-Hub-Signature)" if self.sha1_only else "missing signature"
        scheme, _, digest = self.header.partition("=")
        if scheme != "sha256" or not HEX_DIGEST.fullmatch(digest.lower()):
            return "malformed signature"
        return ""

    def matching_secret(self, secrets: list[str]) -> str | None:
        digest = self.header.partition("=")[2].lower().encode()
        found = None
        for secret in secrets:
            expected = hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest().encode()
            if hmac.compare_digest(expected, digest):
                found = secret
        return found


class FacebookWebhookRequest:
    source: ClassVar[str] = SOURCE

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self._payload: dict[str, Any] | None = None
        self._channel: Channel | None = None

    def challenge(self) -> HttpResponse:
        mode = self.request.GET.get("hub.mode", "")
        token = self.request.GET.get("hub.verify_token", "")
        challenge = self.request.GET.get("hub.challenge", "")
        if mode != "subscribe" or not token:
            raise WebhookRejected("verification: not a subscribe request")
        known = [str(c.config.get("verify_token", "")) for c in _live_channels() if c.status == ChannelStatus.ACTIVE]
        matched = False
        for candidate in known:
            if candidate and hmac.compare_digest(candidate.encode(), token.encode()):
                matched = True
        if not matched:
            raise WebhookRejected("verification: wrong verify token")
        return HttpResponse(challenge, content_type="text/plain")

    def validate(self) -> None:
        signature = FacebookSignature(self.request)
        problem = signature.problem()
        if problem:
            raise WebhookRejected(problem)
        channels = _live_channels()
        secrets = sorted({str(c.credentials.get("app_secret", "")) for c in channels} - {""})
        secret = signature.matching_secret(secrets)
        if secret is None:
            raise WebhookRejected("signature mismatch")
        try:
            payload: Any = json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRejected("malformed JSON", 400) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
            raise WebhookRejected("unexpected payload shape", 400)
        secret_of_page = {str(c.config.get("page_id", "")): str(c.credentials.get("app_secret", "")) for c in reversed(channels)}
        for entry in payload.get("entry", []):
            page_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
            if page_id in secret_of_page and secret_of_page[page_id] != secret:
                # Signed by another app's secret than the one this Page is connected through.
                raise WebhookRejected("signature does not match the page's app")
        self._payload, self._channel = payload, route_payload(payload)

    @property
    def payload(self) -> dict[str, Any]:
        assert self._payload is not None, "validate() first"
        return self._payload

    @property
    def channel(self) -> Channel | None:
        """The channel of the delivery's first entry whose Page we have."""
        assert self._payload is not None, "validate() first"
        return self._channel

    def acknowledge(self) -> HttpResponse:
        return HttpResponse("EVENT_RECEIVED", content_type="text/plain")
