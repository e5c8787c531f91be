"""Agents' writes to a conversation: notes, assignment, status, priority."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inbox import changes
from inbox.actions.common import ActionError, record_event
from inbox.actions.replies import agent_message
from inbox.lock_objects import conversation_for_update
from inbox.models import Conversation, ConversationStatus, Message, MessageKind, Priority, Visibility


def add_note(*, conversation: Conversation, author: User, text: str) -> Message:
    """An internal note: never sent, never satisfies an SLA."""
    text = text.strip()
    if not text:
        raise ActionError("A note needs some text.")
    now = timezone.now()
    with transaction.atomic():
        message = agent_message(conversation, author, text, Visibility.PRIVATE, now, kind=MessageKind.NOTE)
        record_event(conversation=conversation, kind="note", actor=author, data={"message_id": message.pk}, at=now)
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="note")
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
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="assigned")
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
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="status")
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
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="priority")
    return conversation
