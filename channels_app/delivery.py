"""Outbound delivery: claim a queued reply, post it once, report what the platform said.

Every row change goes through inbox.actions (claim_reply, record_reply_sent, requeue_reply,
record_reply_failed, record_reply_outcome_unknown); this module only decides which one the
platform's answer calls for. NotSent is retried; OutcomeUnknown never is, until an agent retries:
then the connector is first asked whether the earlier attempt posted it (find_sent).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from channels_app.base import ChannelAuthError, NotSent, OutcomeUnknown, PermanentSendError, SendError
from channels_app.registry import connector_for
from inbox import actions
from inbox.models import DeliveryState, Message

logger = logging.getLogger(__name__)


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
