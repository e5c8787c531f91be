"""/webhooks/facebook: Meta's subscription check (GET) and signed event deliveries (POST).

A POST is verified over the raw body before it is parsed: X-Hub-Signature-256 is `sha256=` + hex
HMAC-SHA256 of the body keyed with the app secret. Every entry's Page must belong to the app whose
secret signed it. Verified bodies are stored and processed in Celery (accept_event).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from channels_app.models import Channel, ChannelKind, ChannelStatus
from channels_app.webhooks import accept_event, reject

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


@csrf_exempt
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify_subscription(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    signature = FacebookSignature(request)
    problem = signature.problem()
    if problem:
        return reject(request, source=SOURCE, reason=problem)
    channels = _live_channels()
    secrets = sorted({str(c.credentials.get("app_secret", "")) for c in channels} - {""})
    secret = signature.matching_secret(secrets)
    if secret is None:
        return reject(request, source=SOURCE, reason="signature mismatch")
    try:
        payload: Any = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return reject(request, source=SOURCE, reason="malformed JSON", status=400)
    if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
        return reject(request, source=SOURCE, reason="unexpected payload shape", status=400)
    secret_of_page = {str(c.config.get("page_id", "")): str(c.credentials.get("app_secret", "")) for c in reversed(channels)}
    for entry in payload.get("entry", []):
        page_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
        if page_id in secret_of_page and secret_of_page[page_id] != secret:
            # Signed by another app's secret than the one this Page is connected through.
            return reject(request, source=SOURCE, reason="signature does not match the page's app")
    accept_event(source=SOURCE, payload=payload)
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")


def _verify_subscription(request: HttpRequest) -> HttpResponse:
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if mode != "subscribe" or not token:
        return reject(request, source=SOURCE, reason="verification: not a subscribe request")
    known = [str(c.config.get("verify_token", "")) for c in _live_channels() if c.status == ChannelStatus.ACTIVE]
    matched = False
    for candidate in known:
        if candidate and hmac.compare_digest(candidate.encode(), token.encode()):
            matched = True
    if not matched:
        return reject(request, source=SOURCE, reason="verification: wrong verify token")
    return HttpResponse(challenge, content_type="text/plain")
