import logging

from celery import shared_task
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone

from channels_app import delivery, inbound_events
from channels_app.base import ChannelAuthError
from channels_app.registry import connector_for
from inbox import actions
from inbox.models import Channel, ChannelStatus

logger = logging.getLogger(__name__)

MAX_SEND_RETRIES = 8
# Active channels, and those whose polls failed: polled on (backing off) so the first success clears
# them. A channel an admin must reconnect (refused at a check, revoked) waits for that.
# A channel an admin disabled is never polled, whatever its health (channels_app.switch).
POLLABLE = Q(enabled=True) & (Q(status=ChannelStatus.ACTIVE) | Q(status=ChannelStatus.NEEDS_ATTENTION, poll_failures__gt=0))
# A webhook answer waits on publishing at most about a second; the sweep covers the rest.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}


# The tasks whose loss loses data say so themselves (the settings default is the same): acknowledged
# when done, given back when their worker dies. Each is safe to run twice.
DURABLE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(bind=True, max_retries=MAX_SEND_RETRIES, autoretry_for=(OperationalError,), retry_backoff=True, **DURABLE)
def deliver_message(self, message_id: int) -> str:
    outcome = delivery.deliver_message(message_id=message_id)
    if outcome.state != "retry":
        return outcome.state
    if self.request.retries >= MAX_SEND_RETRIES:
        delivery.give_up(message_id=message_id, reason=outcome.reason)
        return "failed"
    countdown = outcome.retry_after if outcome.retry_after is not None else min(600, 2 ** (self.request.retries + 1))
    raise self.retry(countdown=countdown)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, **DURABLE)
def poll_channel(channel_id: int) -> int:
    """Poll one channel; the connector reports how it went (actions.record_poll_ok / record_poll_failed)."""
    channel = Channel.objects.filter(POLLABLE, pk=channel_id).first()
    if channel is None:
        return 0
    try:
        return connector_for(channel).poll()
    except ChannelAuthError as error:
        actions.record_poll_failed(channel=channel, reason=str(error), lasting=True)
        return 0


@shared_task
def poll_due_channels() -> int:
    now = timezone.now()
    count = 0
    for channel in Channel.objects.filter(POLLABLE, next_poll_at__lte=now).only("pk", "poll_interval_seconds", "next_poll_at"):
        if actions.claim_poll_round(channel=channel, now=now):
            poll_channel.delay(channel.pk)
            count += 1
    return count


@shared_task
def sweep_stuck_sends() -> int:
    return actions.fail_stuck_replies() + delivery.sweep_unpublished(enqueue=enqueue_delivery)


def enqueue_delivery(message_id: int) -> None:
    """Publish one reply's delivery; a broker that is down leaves the queued reply for the sweep,
    and the agent's send still succeeds (the reply is stored, shown queued)."""
    try:
        deliver_message.apply_async((message_id,), retry_policy=PUBLISH_RETRY)
    except Exception as error:  # noqa: BLE001 - kombu raises several kinds; the row is safe either way
        logger.warning(
            "reply not enqueued, left for the sweep",
            extra={"message_id": message_id, "reason": f"{type(error).__name__}: {error}"},
        )


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, **DURABLE)
def process_webhook_event(event_id: int) -> int:
    # Retries exhausted still lose nothing: the row stays open and the sweep enqueues it again.
    return inbound_events.process_event(event_id=event_id)


def enqueue_webhook_event(event_id: int) -> None:
    """Publish one event's task; a broker that is down leaves the stored row for the sweep."""
    try:
        process_webhook_event.apply_async((event_id,), retry_policy=PUBLISH_RETRY)
    except Exception as error:  # noqa: BLE001 - kombu raises several kinds; the row is safe either way
        logger.warning(
            "webhook event not enqueued, left for the sweep",
            extra={"event_id": event_id, "reason": f"{type(error).__name__}: {error}"},
        )


@shared_task
def sweep_webhook_events() -> int:
    return inbound_events.sweep_due(enqueue=enqueue_webhook_event)


@shared_task
def prune_webhook_events() -> int:
    return inbound_events.prune()
