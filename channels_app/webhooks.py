"""The webhook endpoint of every platform: verify -> store the raw event -> enqueue.

Each kind's WebhookRequest (registry.KINDS[kind].webhook) checks the signature over the raw body
and the payload's shape; this view does nothing else, so the platform gets its answer fast. The
work happens in Celery (tasks.process_webhook_event -> inbound_events.process_event). A stored
event is answered 200 even when its task cannot be published: the sweep finds it. An event that
cannot be stored (the database is down) is answered 503, so the platform delivers it again.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from channels_app.base import WebhookRejected
from channels_app.models import WebhookEvent
from channels_app.registry import KINDS
from channels_app.tasks import enqueue_webhook_event
from inbox.models import Channel

logger = logging.getLogger("parley.webhooks")


def content_hash(*, source: str, channel_id: int | None, body: bytes) -> str:
    return hashlib.sha256(f"{source}:{channel_id or ''}:".encode() + body).hexdigest()


def accept_event(*, source: str, channel: Channel | None, payload: dict[str, Any], body: bytes) -> WebhookEvent:
    """Store a verified event and enqueue its processing after commit.

    The same raw body for the same channel again (a platform's redelivery, a replay storm) is
    counted on the first row, not stored again.
    """
    digest = content_hash(source=source, channel_id=channel.pk if channel else None, body=body)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(source=source, channel=channel, payload=payload, content_hash=digest)
            transaction.on_commit(lambda: enqueue_webhook_event(event.pk))
        return event
    except IntegrityError:
        WebhookEvent.objects.filter(content_hash=digest).update(duplicates=F("duplicates") + 1, last_duplicate_at=timezone.now())
        event = WebhookEvent.objects.get(content_hash=digest)
        logger.info("webhook duplicate delivery", extra={"source": source, "channel_id": event.channel_id, "event_id": event.pk})
        return event


def reject(request: HttpRequest, *, source: str, reason: str, status: int = 403) -> JsonResponse:
    """One log line per refused delivery, naming why, never the body or a secret."""
    logger.warning(
        "webhook rejected",
        extra={
            "source": source,
            "channel": request.GET.get("channel", ""),
            "reason": reason,
            "remote": request.META.get("REMOTE_ADDR", ""),
        },
    )
    response = JsonResponse({"error": reason}, status=status)
    # Django's request logger would add a second line for the same refusal.
    response._has_been_logged = True
    return response


@csrf_exempt
def webhook(request: HttpRequest, kind: str) -> HttpResponse:
    request_class = KINDS[kind].webhook
    assert request_class is not None  # urls.py routes only kinds that have one
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    call = request_class(request)
    try:
        if request.method == "GET":
            return call.challenge()
        call.validate()
        accept_event(source=kind, channel=call.channel, payload=call.payload, body=request.body)
    except WebhookRejected as rejected:
        return reject(request, source=kind, reason=rejected.reason, status=rejected.status)
    except DatabaseError as error:
        # Not stored, so not acknowledged: the platform delivers it again later.
        return reject(request, source=kind, reason=f"storage unavailable ({type(error).__name__})", status=503)
    return call.acknowledge()
