"""Outbound delivery: claim a queued reply, post it once, report what the platform said.

Every row change goes through inbox.actions (claim_reply, record_reply_sent, requeue_reply,
record_reply_failed, record_reply_outcome_unknown); this module only decides which one the
platform's answer calls for. NotSent is retried; OutcomeUnknown never is, until an agent retries:
then the connector is first asked whether the earlier attempt posted it (find_sent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from channels_app.base import ChannelAuthError, NotSent, OutcomeUnknown, PermanentSendError, SendError
from channels_app.registry import connector_for
from inbox import actions
from inbox.models import DeliveryState, Direction, Message

logger = logging.getLogger(__name__)

# A reply queued this long ago that no worker ever took: its task was not published (broker down
# at commit) or was lost before it ran.
UNPUBLISHED_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class DeliveryOutcome:
    state: str  # "skipped", "sent", "found", "failed", "retry", "unknown"
    retry_after: float | None = None
    reason: str = ""


def deliver_message(*, message_id: int) -> DeliveryOutcome:
    message = actions.claim_reply(message_id=message_id)
    if message is None:
        return DeliveryOutcome(state="skipped")
    connector = connector_for(message.channel)
    if (message.raw or {}).get("check_before_resend"):
        try:
            found = connector.find_sent(message)
        except SendError as error:
            # Not checked, so not resent: the agent tries again when the platform answers.
            reason = f"Outcome unknown: could not check whether it was posted ({error}). Retry later."
            actions.record_reply_outcome_unknown(message=message, reason=reason)
            return DeliveryOutcome(state="unknown", reason=reason)
        if found:
            logger.info("reply found on the platform, not resent", extra={"message_id": message.pk, "external_id": found})
            actions.clear_resend_check(message=message)
            actions.record_reply_sent(message=message, external_id=found)
            return DeliveryOutcome(state="found")
        actions.clear_resend_check(message=message)
    try:
        result = connector.send(message)
    except ChannelAuthError as error:
        actions.flag_channel(channel=message.channel, reason=str(error))
        return _fail(message, str(error))
    except PermanentSendError as error:
        return _fail(message, str(error))
    except OutcomeUnknown as error:
        actions.record_reply_outcome_unknown(message=message, reason=str(error))
        return DeliveryOutcome(state="unknown", reason=str(error))
    except NotSent as error:
        actions.requeue_reply(message=message, reason=str(error))
        return DeliveryOutcome(state="retry", retry_after=error.retry_after, reason=str(error))
    actions.record_reply_sent(message=message, external_id=result.external_id, delivered=result.delivered)
    return DeliveryOutcome(state="sent")


def give_up(*, message_id: int, reason: str) -> None:
    """Retries are exhausted: the reply is failed, with the last reason, for the agent to retry."""
    message = Message.objects.select_related("conversation").get(pk=message_id)
    if message.delivery_state == DeliveryState.QUEUED:
        _fail(message, f"Gave up after {message.delivery_attempts} attempts: {reason}")


def _fail(message: Message, reason: str) -> DeliveryOutcome:
    actions.record_reply_failed(message=message, reason=reason)
    return DeliveryOutcome(state="failed", reason=reason)


def sweep_unpublished(*, enqueue: Callable[[int], None], now: datetime | None = None) -> int:
    """Publish again the replies queued a while ago that were never claimed. A second copy of a
    task that was only slow is harmless: the claim lets one of them post."""
    now = now or timezone.now()
    ids = list(
        Message.objects.filter(
            delivery_state=DeliveryState.QUEUED,
            delivery_attempts=0,
            direction=Direction.OUT,
            received_time__lt=now - UNPUBLISHED_AFTER,
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for message_id in ids:
        enqueue(message_id)
    if ids:
        logger.warning("queued replies published again", extra={"count": len(ids), "message_ids": ids[:50]})
    return len(ids)
