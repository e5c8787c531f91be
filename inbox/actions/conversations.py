"""Agents' writes to a conversation: notes, assignment, status, priority."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Team, User
from inbox import changes
from inbox.actions.common import ActionError, record_event
from inbox.actions.notifications import mentioned_users, notify
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
        mentioned = [u for u in mentioned_users(text=text, team_id=conversation.team_id) if u.pk != author.pk]
        notify(
            users=mentioned,
            kind="mention",
            conversation=conversation,
            text=f"{author.display_name} mentioned you: {text[:200]}",
        )
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="note")
    return message


def assign_conversation(
    *, conversation: Conversation, assignee: User | None, actor: User | None, rule: str = "", because: str = ""
) -> Conversation:
    """Hand the conversation to an agent (None: unassign); the agent is told unless they took it."""
    with transaction.atomic():
        conversation = conversation_for_update(conversation_id=conversation.pk)
        if conversation.assignee_id == (assignee.pk if assignee else None):
            return conversation
        if assignee is not None and not assignee.teams.filter(pk=conversation.team_id).exists():
            raise ActionError(f"{assignee.display_name} is not in this conversation's team.")
        conversation.assignee = assignee
        conversation.save(update_fields=["assignee", "updated_at"])
        data = {"to": assignee.username if assignee else None}
        if rule:
            data.update(rule=rule, because=because, summary=f"Assigned to {assignee.display_name if assignee else 'nobody'}")
        record_event(conversation=conversation, kind="assigned", actor=actor, data=data)
        if assignee is not None and assignee != actor:
            by = f" by rule '{rule}'" if rule else f" by {actor.display_name}" if actor else ""
            text = f"Assigned to you{by}: {conversation.subject or conversation.last_message_preview}"
            notify(users=[assignee], kind="assigned", conversation=conversation, text=text)
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


def set_conversation_priority(
    *,
    conversation: Conversation,
    priority: str,
    actor: User | None,
    rule: str = "",
    because: str = "",
    label: str = "",
) -> Conversation:
    """A person's choice clears the rule's reason; a rule's says why ("complaint, 48k followers")."""
    if priority not in Priority.values:
        raise ActionError("Unknown priority.")
    with transaction.atomic():
        conversation = conversation_for_update(conversation_id=conversation.pk)
        previous = conversation.priority
        if previous == priority:
            return conversation
        conversation.priority = priority
        conversation.priority_reason = (label or because)[:200] if rule else ""
        conversation.save(update_fields=["priority", "priority_reason", "updated_at"])
        data = {"from": previous, "to": priority}
        if rule:
            order = Priority.values
            verb = "raised" if order.index(priority) > order.index(previous) else "lowered"
            data.update(rule=rule, because=because, summary=f"Priority {verb} to {Priority(priority).label}")
        record_event(conversation=conversation, kind="priority", actor=actor, data=data)
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="priority")
    return conversation


def move_conversation(
    *, conversation: Conversation, team: Team, actor: User | None, rule: str = "", because: str = ""
) -> Conversation:
    """Hand one conversation to another team; an assignee outside that team lets go of it."""
    with transaction.atomic():
        conversation = conversation_for_update(conversation_id=conversation.pk)
        if conversation.team_id == team.pk:
            return conversation
        previous = conversation.team.name
        conversation.team = team
        fields = ["team", "updated_at"]
        if conversation.assignee_id and not team.members.filter(pk=conversation.assignee_id).exists():
            conversation.assignee = None
            fields.append("assignee")
        conversation.save(update_fields=fields)
        data = {"from": previous, "to": team.name}
        if rule:
            data.update(rule=rule, because=because, summary=f"Moved to team {team.name}")
        record_event(conversation=conversation, kind="team", actor=actor, data=data)
        changes.announce(conversation_id=conversation.pk, team_id=team.pk, reason="channel_moved")
    return conversation
