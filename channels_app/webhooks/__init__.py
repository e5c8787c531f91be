"""Webhook plumbing shared by the connectors: verify -> store the raw event -> enqueue.

Each platform's view (webhooks/x.py, webhooks/facebook.py) verifies the signature over the raw body
and calls accept_event; the work happens in Celery (process_webhook_event), which hands the payload
to the handler registered for the source.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string

from channels_app.models import WebhookEvent

logger = logging.getLogger("parley.webhooks")

# source -> dotted path of a function(payload: dict) -> int (how many messages were new)
WEBHOOK_HANDLERS: dict[str, str] = {
    "x": "channels_app.x.handle_webhook_payload",
    "facebook": "channels_app.facebook.handle_webhook_payload",
}


def accept_event(*, source: str, payload: dict[str, Any]) -> WebhookEvent:
    """Store a verified event and enqueue its processing after commit."""
    from channels_app.tasks import process_webhook_event

    with transaction.atomic():
        event = WebhookEvent.objects.create(source=source, payload=payload)
        transaction.on_commit(lambda: process_webhook_event.delay(event.pk))
    return event


def process_event(*, event_id: int) -> int:
    event = WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).first()
    if event is None:
        return 0
    handler = import_string(WEBHOOK_HANDLERS[event.source])
    created = handler(event.payload)
    WebhookEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now(), error="")
    return int(created)


def reject(request: HttpRequest, *, source: str, reason: str, status: int = 403) -> JsonResponse:
    """One log line per refused delivery, naming why, never the body or a secret."""
    logger.warning(
        "webhook rejected",
        extra={"source": source, "reason": reason, "remote": request.META.get("REMOTE_ADDR", "")},
    )
    response = JsonResponse({"error": reason}, status=status)
    # Django's request logger would add a second line for the same refusal.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
