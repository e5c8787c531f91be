"""Replies: an agent's reply queued, then its fate as the connector reports it.

Connectors never write these rows themselves: channels_app.delivery claims a queued reply, posts
it and records what the platform said through the functions below, each of which records a
ConversationEvent and announces the change (a failed reply is no reply: the SLA clock runs again).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from accounts.models import User
from inbox import changes, ports
from inbox.actions.common import ActionError, preview_of, record_event
from inbox.lock_objects import conversation_for_update
from inbox.models import (
    Conversation,
    ConversationEvent,
    ConversationStatus,
    DeliveryState,
    Direction,
    Message,
    MessageKind,
    Visibility,
)

logger = logging.getLogger(__name__)

# A send that started this long ago and never finished died with its worker.
STUCK_AFTER = timedelta(minutes=10)


def send_reply(
    *,
    conversation: Conversation,
    author: User,
    text: str,
    visibility: str,
    idempotency_key: str,
    options: dict[str, Any] | None = None,
) -> Message:
    """Queue an agent's reply for delivery on the conversation's channel. Idempotent on the key."""
    text = text.strip()
    if not text:
        raise ActionError("A reply needs some text.")
    if visibility not in Visibility.values:
        raise ActionError("Choose public or private.")
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    ports.channels().check_reply(conversation, text=text, visibility=visibility, options=options or {})
    now = timezone.now()
    try:
        with transaction.atomic():
            conversation = conversation_for_update(conversation_id=conversation.pk)
            message = agent_message(
                conversation,
                author,
                text,
                visibility,
                now,
                delivery_state=DeliveryState.QUEUED,
                idempotency_key=idempotency_key,
                send_options=options or {},
            )
            conversation.last_outbound_at = now
            conversation.waiting_since = None
            conversation.last_message_preview = preview_of(text)
            fields = ["last_outbound_at", "waiting_since", "last_message_preview", "updated_at"]
            if conversation.assignee_id is None:
                # Whoever answers an unassigned conversation owns it, as in most helpdesks.
                conversation.assignee = author
                fields.append("assignee")
                record_event(conversation=conversation, kind="assigned", actor=author, data={"to": author.username}, at=now)
            conversation.save(update_fields=fields)
            record_event(
                conversation=conversation,
                kind="reply",
                actor=author,
                data={"message_id": message.pk, "visibility": visibility},
                at=now,
            )
            _enqueue_delivery(message.pk)
            public_note = (options or {}).get("public_note", "").strip()
            if visibility == Visibility.PRIVATE and conversation.visibility == Visibility.PUBLIC and public_note:
                # Taking a public matter private: a short public answer says where it continues.
                note = agent_message(
                    conversation,
                    author,
                    public_note,
                    Visibility.PUBLIC,
                    now,
                    delivery_state=DeliveryState.QUEUED,
                    idempotency_key=f"{idempotency_key}:public-note"[:64],
                )
                _enqueue_delivery(note.pk)
            changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="message")
    except IntegrityError:
        # The same composer submitted twice at once; the first one's row is the reply.
        return Message.objects.get(idempotency_key=idempotency_key)
    return message


def send_acknowledgement(
    *, conversation: Conversation, text: str, visibility: str, key: str, options: dict[str, Any] | None = None
) -> Message | None:
    """Parley's own automatic answer (out of hours: when a person will answer), queued once per key.

    It is no answer: the customer still waits (waiting_since stays), nobody is assigned, and the SLA
    scorer skips automated messages, so it never counts as the first response. None when the
    channel refuses it (Messenger outside its window) or it was already sent under this key.
    """
    if Message.objects.filter(idempotency_key=key).exists():
        return None
    try:
        ports.channels().check_reply(conversation, text=text, visibility=visibility, options=options or {})
    except ports.ReplyRefused as refused:
        logger.info("acknowledgement refused", extra={"conversation_id": conversation.pk, "reason": str(refused)})
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            message = agent_message(
                conversation,
                None,
                text,
                visibility,
                now,
                delivery_state=DeliveryState.QUEUED,
                idempotency_key=key,
                send_options=options or {},
                automated=True,
            )
            record_event(conversation=conversation, kind="acknowledged", data={"message_id": message.pk, "text": text}, at=now)
            _enqueue_delivery(message.pk)
            changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="delivery")
    except IntegrityError:
        return None  # queued by a concurrent run of the same task
    return message


def agent_message(
    conversation: Conversation, author: User | None, text: str, visibility: str, now: datetime, **fields: Any
) -> Message:
    """An outbound message written by an agent (a reply, its public note, an internal note)."""
    return Message.objects.create(
        conversation=conversation,
        channel_id=conversation.channel_id,
        direction=Direction.OUT,
        author_user=author,
        text=text,
        visibility=visibility,
        platform_time=now,
        received_time=now,
        starts_sla=False,
        **fields,
    )


def _enqueue_delivery(message_id: int) -> None:
    transaction.on_commit(lambda: ports.channels().enqueue_delivery(message_id))


def retry_delivery(*, message: Message, actor: User) -> Message:
    """An agent's retry of a failed reply, or of one whose outcome is unknown.

    The latter is marked check_before_resend: delivery first asks the platform whether the earlier
    attempt posted it, and records it sent instead of posting it again.
    """
    with transaction.atomic():
        current = Message.objects.select_for_update().filter(pk=message.pk).values_list("delivery_state", "raw").first()
        if current is None or current[0] not in (DeliveryState.FAILED, DeliveryState.UNKNOWN):
            raise ActionError("Only a failed reply, or one whose outcome is unknown, can be retried.")
        state, raw = current
        raw = {**(raw or {}), "check_before_resend": True} if state == DeliveryState.UNKNOWN else raw
        Message.objects.filter(pk=message.pk).update(delivery_state=DeliveryState.QUEUED, delivery_error="", raw=raw)
        conversation = message.conversation
        record_event(conversation=conversation, kind="retry", actor=actor, data={"message_id": message.pk, "was": state})
        _enqueue_delivery(message.pk)
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="delivery")
    message.refresh_from_db()
    return message


# --- what the connector reports ---------------------------------------------------------------------


def claim_reply(*, message_id: int) -> Message | None:
    """Take a queued reply for sending, or None when it is not queued (a retried or doubled task).

    The claim is a committed conditional update, so the platform is called at most once per claim.
    """
    claimed = Message.objects.filter(pk=message_id, delivery_state=DeliveryState.QUEUED).update(
        delivery_state=DeliveryState.SENDING,
        sending_started_at=timezone.now(),
        delivery_attempts=F("delivery_attempts") + 1,
    )
    if not claimed:
        return None
    return Message.objects.select_related("conversation", "channel", "conversation__identity").get(pk=message_id)


def record_send_details(*, message: Message, details: dict[str, Any]) -> None:
    """Keep what the connector must remember about a send (a Message-ID, a claimed comment) on the row."""
    message.raw = {**(message.raw or {}), **details}
    Message.objects.filter(pk=message.pk).update(raw=message.raw)


def record_reply_sent(*, message: Message, external_id: str, delivered: bool = False) -> None:
    """The platform accepted the reply (or confirmed delivery) and gave it this id."""
    state = DeliveryState.DELIVERED if delivered else DeliveryState.SENT
    conversation = message.conversation
    with transaction.atomic():
        # The platform may have echoed our post back by webhook before we got here; that echo is
        # this reply, not a second message.
        Message.objects.filter(
            channel_id=message.channel_id, external_id=external_id, direction=Direction.OUT, author_user__isnull=True
        ).exclude(pk=message.pk).delete()
        try:
            with transaction.atomic():
                Message.objects.filter(pk=message.pk).update(delivery_state=state, external_id=external_id, delivery_error="")
        except IntegrityError:
            logger.warning("sent id already stored", extra={"message_id": message.pk})
            Message.objects.filter(pk=message.pk).update(delivery_state=state, delivery_error="")
        record_event(conversation=conversation, kind="reply_sent", data={"message_id": message.pk, "state": state})
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="delivery")


def requeue_reply(*, message: Message, reason: str) -> None:
    """The platform provably did not take the reply; it goes back to the queue for a retry."""
    Message.objects.filter(pk=message.pk, delivery_state=DeliveryState.SENDING).update(
        delivery_state=DeliveryState.QUEUED, delivery_error=reason
    )


def record_reply_failed(*, message: Message, reason: str, kind: str = "reply_failed") -> None:
    """The reply did not reach the customer: shown failed with the reason, for an agent to retry."""
    logger.info("reply failed", extra={"message_id": message.pk, "reason": reason})
    conversation = message.conversation
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(delivery_state=DeliveryState.FAILED, delivery_error=reason)
        record_event(conversation=conversation, kind=kind, data={"message_id": message.pk, "reason": reason})
        _restore_wait(conversation)
        # A failed reply is no reply: "delivery" rescores, which revises what it achieved (sla.outcomes).
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="delivery")


def _restore_wait(conversation: Conversation) -> None:
    """The customer is waiting again since their first message after the last reply that got through."""
    if conversation.status == ConversationStatus.RESOLVED:
        return
    messages = Message.objects.filter(conversation_id=conversation.pk, kind=MessageKind.MESSAGE)
    got_through = messages.filter(direction=Direction.OUT).exclude(delivery_state=DeliveryState.FAILED)
    answered = got_through.aggregate(at=Max("platform_time"))["at"]
    reopenings = ConversationEvent.objects.filter(conversation_id=conversation.pk, kind="reopened")
    reopened = reopenings.aggregate(at=Max("created_at"))["at"]
    unanswered = messages.filter(direction=Direction.IN, starts_sla=True)
    if answered is not None:
        unanswered = unanswered.filter(platform_time__gt=answered)
    if reopened is not None:
        unanswered = unanswered.filter(received_time__gte=reopened)
    since = unanswered.aggregate(at=Min("platform_time"))["at"]
    if since is not None and reopened is not None:
        since = max(since, reopened)
    if since != conversation.waiting_since:
        conversation.waiting_since = since
        Conversation.objects.filter(pk=conversation.pk).update(waiting_since=since)


def record_reply_outcome_unknown(*, message: Message, reason: str) -> None:
    """The reply went out and no answer came back: shown with what to check, never resent by itself."""
    logger.warning("reply outcome unknown", extra={"message_id": message.pk, "reason": reason})
    conversation = message.conversation
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(delivery_state=DeliveryState.UNKNOWN, delivery_error=reason)
        record_event(conversation=conversation, kind="reply_outcome_unknown", data={"message_id": message.pk, "reason": reason})
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="delivery")


def clear_resend_check(*, message: Message) -> None:
    """The platform was asked and does not have the reply: this attempt posts it."""
    message.raw = {k: v for k, v in (message.raw or {}).items() if k != "check_before_resend"}
    Message.objects.filter(pk=message.pk).update(raw=message.raw)


def record_bounce(*, channel_id: int, external_id: str, reason: str) -> int:
    """A delivery report says our reply never arrived: it failed, with the report's reason."""
    error = f"Bounced: {reason}" if reason else "Bounced: the recipient's server returned the mail."
    with transaction.atomic():
        messages = list(
            Message.objects.select_for_update(no_key=True)
            .filter(channel_id=channel_id, external_id=external_id, direction=Direction.OUT)
            .exclude(delivery_state=DeliveryState.FAILED)
            .select_related("conversation")
        )
        for message in messages:
            record_reply_failed(message=message, reason=error, kind="bounced")
    return len(messages)


RECEIPT_ORDER = [DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ]


def record_delivery_receipts(*, channel_id: int, external_ids: list[str], state: str) -> int:
    """Delivery and read receipts move an outbound message forward, never back."""
    earlier = RECEIPT_ORDER[: RECEIPT_ORDER.index(DeliveryState(state))]
    with transaction.atomic():
        messages = list(
            Message.objects.select_for_update(no_key=True, of=("self",))
            .filter(channel_id=channel_id, external_id__in=external_ids, direction=Direction.OUT, delivery_state__in=earlier)
            .select_related("conversation")
        )
        Message.objects.filter(pk__in=[m.pk for m in messages]).update(delivery_state=state)
        for conversation in {m.conversation_id: m.conversation for m in messages}.values():
            ids = [m.pk for m in messages if m.conversation_id == conversation.pk]
            record_event(conversation=conversation, kind=f"reply_{state}", data={"message_ids": ids})
            changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="delivery")
    return len(messages)


def fail_stuck_replies(*, now: datetime | None = None) -> int:
    """A worker that died mid-send leaves the outcome unknown: say so visibly rather than re-post."""
    now = now or timezone.now()
    stuck = list(
        Message.objects.filter(delivery_state=DeliveryState.SENDING, sending_started_at__lt=now - STUCK_AFTER).select_related(
            "conversation"
        )
    )
    reason = "Outcome unknown: sending was interrupted. Check the channel for this reply before retrying."
    for message in stuck:
        record_reply_outcome_unknown(message=message, reason=reason)
    return len(stuck)
