"""Outbound delivery: claim a queued reply, post it once, report what the platform said.

Every row change goes through inbox.actions (claim_reply, record_reply_sent, requeue_reply,
record_reply_failed); this module only decides which one the platform's answer calls for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from channels_app.base import ChannelAuthError, PermanentSendError, TransientSendError
from channels_app.registry import connector_for
from inbox import actions
from inbox.models import DeliveryState, Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryOutcome:
    state: str  # "skipped", "sent", "failed", "retry"
    retry_after: float | None = None
    reason: str = ""


def deliver_message(*, message_id: int) -> DeliveryOutcome:
    message = actions.claim_reply(message_id=message_id)
    if message is None:
        return DeliveryOutcome(state="skipped")
    try:
        result = connector_for(message.channel).send(message)
    except ChannelAuthError as error:
        actions.flag_channel(channel=message.channel, reason=str(error))
        return _fail(message, str(error))
    except PermanentSendError as error:
        return _fail(message, str(error))
    except TransientSendError as error:
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
