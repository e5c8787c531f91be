"""Stored webhook deliveries, processed in the worker by the connector of their kind."""

from __future__ import annotations

from django.utils import timezone

from channels_app.models import WebhookEvent
from channels_app.registry import KINDS


def process_event(*, event_id: int) -> int:
    event = WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).first()
    if event is None:
        return 0
    handler = KINDS[event.source].process_event
    if handler is None:
        raise ValueError(f"no webhook handler for {event.source!r}")
    created = handler(event.payload)
    WebhookEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now(), error="")
    return int(created)
