"""Ingest: one inbound message, stored exactly once, in its conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from inbox import changes
from inbox.actions.common import IngestError, preview_of, record_event
from inbox.actions.customers import refresh_identity, resolve_identity
from inbox.columns import fit_inbound
from inbox.inbound import AuthorIdentity, InboundMessage
from inbox.lock_objects import lock_thread
from inbox.models import Channel, Conversation, ConversationStatus, DeliveryState, Direction, Identity, Message
from inbox.thread_append import append_to_open_thread


@dataclass(frozen=True)
class IngestResult:
    created: bool
    message_id: int | None = None
    conversation_id: int | None = None
    conversation_created: bool = False


def ingest_message(*, inbound: InboundMessage) -> IngestResult:
    """Store one inbound message, exactly once, in its conversation. Safe to call concurrently."""
    if not inbound.channel_id:
        raise IngestError("an inbound message needs a channel")
    if not inbound.external_id:
        raise IngestError("an inbound message needs the platform's external id")
    if not inbound.thread_key:
        raise IngestError("an inbound message needs a thread key")
    inbound = fit_inbound(inbound)
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
    changes.announce(conversation_id=conversation_id, team_id=team_id, reason="message")
    return IngestResult(created=True, message_id=message_id, conversation_id=conversation_id)


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
    reopened = False
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
        reopened = True
        record_event(conversation=conversation, kind="reopened", data={"by": "customer", "to": "open"}, at=now)
    elif conversation.status == ConversationStatus.PENDING and inbound.starts_sla:
        conversation.status = ConversationStatus.OPEN
        fields.append("status")
        record_event(conversation=conversation, kind="status", data={"from": "pending", "to": "open", "by": "customer"}, at=now)
    assert conversation is not None
    message = _create_message(inbound, conversation, identity=identity, now=now)
    conversation.last_inbound_at = max(filter(None, [conversation.last_inbound_at, inbound.platform_time]))
    if inbound.starts_sla and reopened:
        # A message that reopens a resolved conversation starts a new wait when it reaches us, even
        # when it was delivered late with an older platform time (as the SLA cycle does).
        conversation.waiting_since = now
    elif inbound.starts_sla and conversation.waiting_since is None:
        conversation.waiting_since = inbound.platform_time
    conversation.last_message_preview = preview_of(inbound.text) or "(attachment)"
    conversation.save(update_fields=fields)
    changes.announce(
        conversation_id=conversation.pk, team_id=conversation.team_id, reason="new_conversation" if needs_new else "message"
    )
    return IngestResult(created=True, message_id=message.pk, conversation_id=conversation.pk, conversation_created=needs_new)


def _thread_identity(conversation: Conversation | None, author: AuthorIdentity) -> Identity | None:
    """The thread's own customer writing again (the usual case) needs no identity lookup."""
    if conversation is None:
        return None
    identity = conversation.identity
    if (identity.kind, identity.external_id) != (author.kind, author.external_id):
        return None
    changed = refresh_identity(identity, author)
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
    changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="message")
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
