"""Outbound delivery: claim a queued reply, post it once, record what the platform said."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from channels_app.base import ChannelAuthError, PermanentSendError, SendResult, TransientSendError, get_connector
from channels_app.models import Channel, ChannelStatus
from inbox import events
from inbox.models import DeliveryState, Direction, Message

logger = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class DeliveryOutcome:
    state: str  # "skipped", "sent", "failed", "retry"
    retry_after: float | None = None
    reason: str = ""


def deliver_message(*, message_id: int) -> DeliveryOutcome:
    # The claim is a committed conditional update: a retried or duplicated task finds the reply no
    # longer queued and does nothing, so the platform is called at most once per claim.
    claimed = Message.objects.filter(pk=message_id, delivery_state=DeliveryState.QUEUED).update(
        delivery_state=DeliveryState.SENDING,
        sending_started_at=timezone.now(),
        delivery_attempts=F("delivery_attempts") + 1,
    )
    if not claimed:
        return DeliveryOutcome(state="skipped")
    message = Message.objects.select_related("conversation", "channel", "conversation__identity").get(pk=message_id)
    connector = get_connector(message.channel)
    try:
        result = connector.send(message)
    except ChannelAuthError as error:
        mark_channel_needs_attention(channel=message.channel, reason=str(error))
        return _fail(message, str(error))
    except PermanentSendError as error:
        return _fail(message, str(error))
    except TransientSendError as error:
        Message.objects.filter(pk=message.pk, delivery_state=DeliveryState.SENDING).update(
            delivery_state=DeliveryState.QUEUED, delivery_error=str(error)
        )
        return DeliveryOutcome(state="retry", retry_after=error.retry_after, reason=str(error))
    _record_sent(message, result)
    return DeliveryOutcome(state="sent")


def give_up(*, message_id: int, reason: str) -> None:
    """Retries are exhausted: the reply is failed, with the last reason, for the agent to retry."""
    message = Message.objects.select_related("conversation").get(pk=message_id)
    if message.delivery_state == DeliveryState.QUEUED:
        _fail(message, f"Gave up after {message.delivery_attempts} attempts: {reason}")


def _fail(message: Message, reason: str) -> DeliveryOutcome:
    logger.info("reply failed", extra={"message_id": message.pk, "reason": reason})
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(delivery_state=DeliveryState.FAILED, delivery_error=reason)
        _push(message)
    return DeliveryOutcome(state="failed", reason=reason)


def _record_sent(message: Message, result: SendResult) -> None:
    state = DeliveryState.DELIVERED if result.delivered else DeliveryState.SENT
    with transaction.atomic():
        # The platform may have echoed our post back by webhook before we got here; that echo is
        # this reply, not a second message.
        Message.objects.filter(
            channel_id=message.channel_id, external_id=result.external_id, direction=Direction.OUT, author_user__isnull=True
        ).exclude(pk=message.pk).delete()
        try:
            with transaction.atomic():
                Message.objects.filter(pk=message.pk).update(
                    delivery_state=state, external_id=result.external_id, delivery_error=""
                )
        except IntegrityError:
            logger.warning("sent id already stored", extra={"message_id": message.pk})
            Message.objects.filter(pk=message.pk).update(delivery_state=state, delivery_error="")
        _push(message)


def mark_delivery_state(*, channel_id: int, external_ids: list[str], state: str) -> int:
    """Delivery and read receipts move an outbound message forward, never back."""
    order = [DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ]
    earlier = order[: order.index(DeliveryState(state))]
    messages = list(
        Message.objects.filter(
            channel_id=channel_id, external_id__in=external_ids, direction=Direction.OUT, delivery_state__in=earlier
        ).select_related("conversation")
    )
    with transaction.atomic():
        Message.objects.filter(pk__in=[m.pk for m in messages]).update(delivery_state=state)
        for message in messages:
            _push(message)
    return len(messages)


def _push(message: Message) -> None:
    conversation = message.conversation
    events.push_conversation_changed(conversation_id=conversation.pk, team_id=conversation.team_id, reason="delivery")


def sweep_stuck_sends(*, now: timezone.datetime | None = None) -> int:
    """A worker that died mid-send leaves the outcome unknown: fail it visibly rather than re-post."""
    now = now or timezone.now()
    stuck = list(
        Message.objects.filter(delivery_state=DeliveryState.SENDING, sending_started_at__lt=now - STUCK_AFTER).select_related(
            "conversation"
        )
    )
    for message in stuck:
        _fail(message, "Outcome unknown: sending was interrupted. Check the channel before retrying.")
    return len(stuck)


def mark_channel_needs_attention(*, channel: Channel, reason: str) -> None:
    logger.warning("channel needs attention", extra={"channel_id": channel.pk, "reason": reason})
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_ATTENTION, status_reason=reason)
