"""Every write to a conversation goes through these functions: they record the event and push."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from channels_app.base import AuthorIdentity, InboundMessage
from channels_app.models import Channel
from inbox import events
from inbox.lock_objects import conversation_for_update, lock_thread
from inbox.models import (
    Conversation,
    ConversationEvent,
    ConversationStatus,
    Customer,
    DeliveryState,
    Direction,
    Identity,
    Message,
    MessageKind,
    Priority,
    Visibility,
)
from inbox.thread_append import append_to_open_thread

logger = logging.getLogger(__name__)


class IngestError(ValueError):
    """The inbound message cannot be stored as given (no channel, no external id)."""


class ActionError(ValueError):
    """An agent action that cannot be done; the text is shown to the agent."""


@dataclass(frozen=True)
class IngestResult:
    created: bool
    message_id: int | None = None
    conversation_id: int | None = None
    conversation_created: bool = False


def preview_of(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def _conversation_changed(conversation: Conversation, reason: str) -> None:
    """After commit, the worker rescores the SLA, pushes the fresh row to the team and auto-assigns."""
    conversation_id, team_id = conversation.pk, conversation.team_id
    transaction.on_commit(lambda: _announce(conversation_id, team_id, reason))


# Changes after which automatic assignment looks for free capacity or new work (issue 5).
AUTO_ASSIGN_REASONS = ("new_conversation", "status", "assigned")


def record_event(
    *,
    conversation: Conversation,
    kind: str,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ConversationEvent:
    return ConversationEvent.objects.create(
        conversation=conversation, kind=kind, actor=actor, data=data or {}, created_at=at or timezone.now()
    )


# --- ingest ---------------------------------------------------------------------------------------


def resolve_identity(*, author: AuthorIdentity) -> Identity:
    """The identity for a platform account, creating it and its customer on first sight."""
    identity = Identity.objects.filter(kind=author.kind, external_id=author.external_id).first()
    if identity is not None:
        changed = _refresh_identity(identity, author)
        if changed:
            identity.save(update_fields=changed)
        return identity
    customer = None
    for kind, external_id in author.same_person_as:
        other = Identity.objects.filter(kind=kind, external_id=external_id).select_related("customer").first()
        if other is not None:
            customer = other.customer
            break
    try:
        with transaction.atomic():
            if customer is None:
                customer = Customer.objects.create(name=author.display_name or author.handle)
            return Identity.objects.create(
                kind=author.kind,
                external_id=author.external_id,
                customer=customer,
                handle=author.handle,
                display_name=author.display_name,
                profile_url=author.profile_url,
                avatar_url=author.avatar_url,
                follower_count=author.follower_count,
            )
    except IntegrityError:
        # Another ingest created this identity a moment ago; use theirs.
        return Identity.objects.get(kind=author.kind, external_id=author.external_id)


def _refresh_identity(identity: Identity, author: AuthorIdentity) -> list[str]:
    changed = []
    for name in ("handle", "display_name", "profile_url", "avatar_url", "follower_count"):
        value = getattr(author, name)
        if value not in ("", None) and getattr(identity, name) != value:
            setattr(identity, name, value)
            changed.append(name)
    return changed


def link_identities(*, identity: Identity, same_as: Identity, actor: User | None = None) -> None:
    """Two accounts are one person: move the identity (and its conversations) to that customer."""
    if identity.customer_id == same_as.customer_id:
        return
    merge_customers(source=identity.customer, target=same_as.customer, actor=actor)


def ingest_message(*, inbound: InboundMessage) -> IngestResult:
    """Store one inbound message, exactly once, in its conversation. Safe to call concurrently."""
    if not inbound.channel_id:
        raise IngestError("an inbound message needs a channel")
    if not inbound.external_id:
        raise IngestError("an inbound message needs the platform's external id")
    if not inbound.thread_key:
        raise IngestError("an inbound message needs a thread key")
    try:
        fast = _append_fast(inbound)
        if fast is not None:
            return fast
        with transaction.atomic():
            return _ingest(inbound)
    except IntegrityError:
        # The unique (channel, external id) constraint lost a race to a concurrent ingest of the
        # same message: that one is stored, and everything this one wrote is rolled back.
        existing = (
            Message.objects.filter(channel_id=inbound.channel_id, external_id=inbound.external_id)
            .values_list("pk", "conversation_id")
            .first()
        )
        if existing is None:
            raise
        return IngestResult(created=False, message_id=existing[0], conversation_id=existing[1])


def _append_fast(inbound: InboundMessage) -> IngestResult | None:
    """One statement for the usual case (see inbox.thread_append); None when it does not apply."""
    preview = preview_of(inbound.text) or "(attachment)"
    if connection.in_atomic_block:
        # Inside a caller's transaction a duplicate must only undo this message: use a savepoint.
        with transaction.atomic():
            appended = append_to_open_thread(inbound, preview=preview)
    else:
        # On its own the statement is its own transaction: one round trip, committed on return.
        appended = append_to_open_thread(inbound, preview=preview)
    if appended is None:
        return None
    message_id, conversation_id, team_id = appended
    transaction.on_commit(lambda: _announce(conversation_id, team_id, "message"))
    return IngestResult(created=True, message_id=message_id, conversation_id=conversation_id)


def _announce(conversation_id: int, team_id: int, reason: str) -> None:
    from inbox.changes import announce

    announce(conversation_id=conversation_id, team_id=team_id, reason=reason)


def _latest_conversation(inbound: InboundMessage) -> Conversation | None:
    return (
        Conversation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("identity")
        .filter(channel_id=inbound.channel_id, thread_key=inbound.thread_key)
        .order_by("-created_at", "-id")
        .first()
    )


def _needs_new_conversation(conversation: Conversation | None, now: datetime) -> bool:
    if conversation is None:
        return True
    if conversation.status != ConversationStatus.RESOLVED:
        return False
    window = timedelta(days=settings.PARLEY_REOPEN_WINDOW_DAYS)
    return conversation.resolved_at is None or now - conversation.resolved_at > window


def _ingest(inbound: InboundMessage) -> IngestResult:
    # No "already stored?" query: the unique (channel, external id) constraint on the message
    # insert decides, and a duplicate rolls the whole transaction back (see ingest_message). The
    # common path is then four statements: lock the thread's conversation, find the author,
    # insert the message, update the conversation.
    now = timezone.now()
    conversation = _latest_conversation(inbound)
    if inbound.direction != Direction.IN:
        return _ingest_outbound(inbound, conversation, now=now)
    needs_new = _needs_new_conversation(conversation, now)
    if needs_new:
        # Creating: serialise with any concurrent ingest of the same thread, then look again.
        lock_thread(channel_id=inbound.channel_id, thread_key=inbound.thread_key)
        conversation = _latest_conversation(inbound)
        needs_new = _needs_new_conversation(conversation, now)
    identity = _thread_identity(conversation, inbound.author) or resolve_identity(author=inbound.author)
    fields = ["last_inbound_at", "waiting_since", "last_message_preview", "updated_at"]
    if needs_new:
        team_id, channel_name = Channel.objects.values_list("team_id", "name").get(pk=inbound.channel_id)
        conversation = Conversation.objects.create(
            channel_id=inbound.channel_id,
            team_id=team_id,
            customer_id=identity.customer_id,
            identity=identity,
            thread_key=inbound.thread_key,
            subject=(inbound.subject or preview_of(inbound.text))[:500],
            visibility=inbound.visibility,
            created_at=now,
        )
        record_event(conversation=conversation, kind="created", data={"channel": channel_name}, at=now)
    elif conversation.status == ConversationStatus.RESOLVED:
        conversation.status, conversation.resolved_at = ConversationStatus.OPEN, None
        fields += ["status", "resolved_at"]
        record_event(conversation=conversation, kind="reopened", data={"by": "customer", "to": "open"}, at=now)
    elif conversation.status == ConversationStatus.PENDING and inbound.starts_sla:
        conversation.status = ConversationStatus.OPEN
        fields.append("status")
        record_event(conversation=conversation, kind="status", data={"from": "pending", "to": "open", "by": "customer"}, at=now)
    assert conversation is not None
    message = _create_message(inbound, conversation, identity=identity, now=now)
    conversation.last_inbound_at = max(filter(None, [conversation.last_inbound_at, inbound.platform_time]))
    if inbound.starts_sla and conversation.waiting_since is None:
        conversation.waiting_since = inbound.platform_time
    conversation.last_message_preview = preview_of(inbound.text) or "(attachment)"
    conversation.save(update_fields=fields)
    _conversation_changed(conversation, "new_conversation" if needs_new else "message")
    return IngestResult(created=True, message_id=message.pk, conversation_id=conversation.pk, conversation_created=needs_new)


def _thread_identity(conversation: Conversation | None, author: AuthorIdentity) -> Identity | None:
    """The thread's own customer writing again (the usual case) needs no identity lookup."""
    if conversation is None:
        return None
    identity = conversation.identity
    if (identity.kind, identity.external_id) != (author.kind, author.external_id):
        return None
    changed = _refresh_identity(identity, author)
    if changed:
        identity.save(update_fields=changed)
    return identity


def _ingest_outbound(inbound: InboundMessage, conversation: Conversation | None, *, now: datetime) -> IngestResult:
    """The brand's own post (an echo, or typed in another tool): part of an existing thread only."""
    if conversation is None:
        return IngestResult(created=False)
    message = _create_message(inbound, conversation, identity=None, now=now)
    conversation.last_outbound_at = max(filter(None, [conversation.last_outbound_at, inbound.platform_time]))
    conversation.waiting_since = None
    conversation.save(update_fields=["last_outbound_at", "waiting_since", "updated_at"])
    record_event(conversation=conversation, kind="outbound_elsewhere", data={"message_id": message.pk}, at=now)
    _conversation_changed(conversation, "message")
    return IngestResult(created=True, message_id=message.pk, conversation_id=conversation.pk)


def _create_message(inbound: InboundMessage, conversation: Conversation, *, identity: Identity | None, now: datetime) -> Message:
    return Message.objects.create(
        conversation=conversation,
        channel_id=inbound.channel_id,
        direction=inbound.direction,
        external_id=inbound.external_id,
        author_identity=identity,
        text=inbound.text,
        html=inbound.html,
        attachments=[vars(a) for a in inbound.attachments],
        visibility=inbound.visibility,
        platform_time=inbound.platform_time,
        received_time=now,
        starts_sla=inbound.starts_sla and inbound.direction == Direction.IN,
        delivery_state=DeliveryState.SENT if inbound.direction == Direction.OUT else DeliveryState.NONE,
        raw=inbound.raw,
    )


# --- agent actions ---------------------------------------------------------------------------------


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
    from channels_app.replies import check_reply

    text = text.strip()
    if not text:
        raise ActionError("A reply needs some text.")
    if visibility not in Visibility.values:
        raise ActionError("Choose public or private.")
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    check_reply(conversation=conversation, text=text, visibility=visibility, options=options or {})
    now = timezone.now()
    try:
        with transaction.atomic():
            conversation = conversation_for_update(conversation_id=conversation.pk)
            message = _agent_message(
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
                note = _agent_message(
                    conversation,
                    author,
                    public_note,
                    Visibility.PUBLIC,
                    now,
                    delivery_state=DeliveryState.QUEUED,
                    idempotency_key=f"{idempotency_key}:public-note"[:64],
                )
                _enqueue_delivery(note.pk)
            _conversation_changed(conversation, "message")
    except IntegrityError:
        # The same composer submitted twice at once; the first one's row is the reply.
        return Message.objects.get(idempotency_key=idempotency_key)
    return message


def _agent_message(conversation: Conversation, author: User, text: str, visibility: str, now: datetime, **fields: Any) -> Message:
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
    from channels_app.tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message_id))


def retry_delivery(*, message: Message, actor: User) -> Message:
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, delivery_state=DeliveryState.FAILED).update(
            delivery_state=DeliveryState.QUEUED, delivery_error=""
        )
        if not updated:
            raise ActionError("Only a failed reply can be retried.")
        conversation = message.conversation
        record_event(conversation=conversation, kind="retry", actor=actor, data={"message_id": message.pk})
        _enqueue_delivery(message.pk)
        events.push_conversation_changed(conversation_id=conversation.pk, team_id=conversation.team_id, reason="delivery")
    message.refresh_from_db()
    return message


def add_note(*, conversation: Conversation, author: User, text: str) -> Message:
    """An internal note: never sent, never satisfies an SLA."""
    text = text.strip()
    if not text:
        raise ActionError("A note needs some text.")
    now = timezone.now()
    with transaction.atomic():
        message = _agent_message(conversation, author, text, Visibility.PRIVATE, now, kind=MessageKind.NOTE)
        record_event(conversation=conversation, kind="note", actor=author, data={"message_id": message.pk}, at=now)
        events.push_conversation_changed(conversation_id=conversation.pk, team_id=conversation.team_id, reason="note")
    return message


def assign_conversation(*, conversation: Conversation, assignee: User | None, actor: User | None) -> Conversation:
    with transaction.atomic():
        conversation = conversation_for_update(conversation_id=conversation.pk)
        if conversation.assignee_id == (assignee.pk if assignee else None):
            return conversation
        if assignee is not None and not assignee.teams.filter(pk=conversation.team_id).exists():
            raise ActionError(f"{assignee.display_name} is not in this conversation's team.")
        conversation.assignee = assignee
        conversation.save(update_fields=["assignee", "updated_at"])
        record_event(
            conversation=conversation, kind="assigned", actor=actor, data={"to": assignee.username if assignee else None}
        )
        _conversation_changed(conversation, "assigned")
    return conversation


def set_conversation_status(*, conversation: Conversation, status: str, actor: User | None) -> Conversation:
    if status not in ConversationStatus.values:
        raise ActionError("Unknown status.")
    with transaction.atomic():
        conversation = conversation_for_update(conversation_id=conversation.pk)
        previous = conversation.status
        if previous == status:
            return conversation
        conversation.status = status
        conversation.resolved_at = timezone.now() if status == ConversationStatus.RESOLVED else None
        conversation.save(update_fields=["status", "resolved_at", "updated_at"])
        kind = "reopened" if previous == ConversationStatus.RESOLVED else "status"
        record_event(conversation=conversation, kind=kind, actor=actor, data={"from": previous, "to": status})
        _conversation_changed(conversation, "status")
    return conversation


def set_conversation_priority(*, conversation: Conversation, priority: str, actor: User | None) -> Conversation:
    if priority not in Priority.values:
        raise ActionError("Unknown priority.")
    with transaction.atomic():
        conversation = conversation_for_update(conversation_id=conversation.pk)
        previous = conversation.priority
        if previous == priority:
            return conversation
        conversation.priority = priority
        conversation.save(update_fields=["priority", "updated_at"])
        record_event(conversation=conversation, kind="priority", actor=actor, data={"from": previous, "to": priority})
        _conversation_changed(conversation, "priority")
    return conversation


def merge_customers(*, source: Customer, target: Customer, actor: User | None) -> Customer:
    """Move source's identities and conversations to target; source stays as a pointer."""
    if source.pk == target.pk:
        raise ActionError("A customer cannot be merged into itself.")
    with transaction.atomic():
        identities = list(source.identities.values_list("handle", flat=True))
        source.identities.update(customer=target)
        moved = list(Conversation.objects.filter(customer=source))
        Conversation.objects.filter(customer=source).update(customer=target)
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        if source.notes:
            target.notes = "\n\n".join(filter(None, [target.notes, source.notes]))
            target.save(update_fields=["notes"])
        for conversation in moved:
            record_event(
                conversation=conversation,
                kind="merged",
                actor=actor,
                data={"from_customer": source.pk, "into_customer": target.pk, "identities": identities},
            )
            events.push_conversation_changed(conversation_id=conversation.pk, team_id=conversation.team_id, reason="merged")
    return target


def update_customer_notes(*, customer: Customer, notes: str, actor: User | None) -> Customer:
    """Agents keep free-text notes on a customer (shown on every channel's conversation)."""
    notes = notes.strip()
    if customer.notes == notes:
        return customer
    customer.notes = notes
    customer.save(update_fields=["notes"])
    logger.info("customer notes updated", extra={"customer_id": customer.pk, "actor_id": actor.pk if actor else None})
    return customer
