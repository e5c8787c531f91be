"""/webhooks/x: X's CRC challenge (GET) and signed event deliveries (POST).

The URL shown to admins is /webhooks/x?channel=<id>; without ?channel= the single active X channel
is used. Both the CRC response and the body signature are HMAC-SHA256 with the channel's consumer
(API key) secret, base64-encoded and prefixed "sha256=". Verified bodies are stored and processed in
Celery; this view does nothing else, so X gets its answer fast.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_app.models import Channel, ChannelKind, ChannelStatus
from channels_app.webhooks import accept_event, reject
from channels_app.x import channel_for_user, routed_user_id

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def sign(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def _reject(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return reject(request, source="x", reason=reason, status=status)


def _channel(request: HttpRequest) -> tuple[Channel | None, str]:
    live = Channel.objects.filter(kind=ChannelKind.X).exclude(status=ChannelStatus.DISABLED)
    wanted = request.GET.get("channel")
    if wanted is not None:
        if not wanted.isdigit():
            return None, "bad channel parameter"
        channel = live.filter(pk=int(wanted)).first()
        return channel, "" if channel else "unknown channel"
    candidates = list(live.filter(status=ChannelStatus.ACTIVE)[:2])
    if len(candidates) != 1:
        return None, "channel parameter required"
    return candidates[0], ""


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest) -> HttpResponse:
    channel, problem = _channel(request)
    if channel is None:
        return _reject(request, problem, 404)
    secret = str(channel.credentials.get("consumer_secret") or "")
    if not secret:
        return _reject(request, "channel has no consumer secret", 404)

    if request.method == "GET":
        crc_token = request.GET.get("crc_token", "")
        if not crc_token:
            return _reject(request, "missing crc_token", 400)
        return JsonResponse({"response_token": sign(secret, crc_token.encode())})

    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return _reject(request, "missing signature", 403)
    if not hmac.compare_digest(signature.encode(), sign(secret, request.body).encode()):
        return _reject(request, "bad signature", 403)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _reject(request, "malformed JSON", 400)
    if not isinstance(payload, dict):
        return _reject(request, "malformed JSON", 400)
    # Several channels may share one X app (one webhook); a body signed with this channel's app
    # secret must not speak for an account connected through another app.
    target = channel_for_user(routed_user_id(payload))
    if target is not None and target.pk != channel.pk and target.credentials.get("consumer_secret") != secret:
        return _reject(request, "signed for another app", 403)
    accept_event(source="x", payload=payload)
    return HttpResponse(status=200)
