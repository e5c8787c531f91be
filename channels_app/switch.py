"""An admin disables or enables a channel; enabling processes the webhook deliveries it held."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from channels_app.models import WebhookEvent, WebhookStatus
from channels_app.tasks import enqueue_webhook_event
from inbox import actions
from inbox.models import Channel


def disable(*, channel: Channel, actor: User | None, ip_address: str = "") -> bool:
    return actions.set_channel_enabled(channel=channel, enabled=False, actor=actor, ip_address=ip_address)


def enable(*, channel: Channel, actor: User | None, ip_address: str = "") -> int:
    """Turn it back on and queue what arrived meanwhile, oldest first; returns how many were held."""
    with transaction.atomic():
        actions.set_channel_enabled(channel=channel, enabled=True, actor=actor, ip_address=ip_address)
        held = list(
            WebhookEvent.objects.filter(channel=channel, status=WebhookStatus.HELD)
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)
        )
        # Pending again, so the beat sweep also picks them up should a task be lost.
        WebhookEvent.objects.filter(pk__in=held).update(status=WebhookStatus.PENDING, last_error="")
        for event_id in held:
            transaction.on_commit(lambda event_id=event_id: enqueue_webhook_event(event_id))
    return len(held)
