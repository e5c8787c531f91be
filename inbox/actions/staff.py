"""What a change to people means for conversations: an agent who leaves gives their work back."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from accounts.models import User
from inbox.actions.conversations import assign_conversation
from inbox.models import Conversation, ConversationStatus

logger = logging.getLogger(__name__)


def release_conversations(*, user: User, team_ids: Iterable[int] | None = None, actor: User | None = None) -> int:
    """Unassign the user's open and pending conversations (of these teams, or all): back to the queue.

    Each goes through assign_conversation, so it is recorded on the conversation and announced, and
    automatic assignment hands it to someone else where the team has it on.
    """
    held = Conversation.objects.filter(assignee=user, status__in=(ConversationStatus.OPEN, ConversationStatus.PENDING)).order_by(
        "pk"
    )
    if team_ids is not None:
        held = held.filter(team_id__in=list(team_ids))
    released = 0
    for conversation in held:
        assign_conversation(conversation=conversation, assignee=None, actor=actor)
        released += 1
    if released:
        logger.info("conversations returned to the queue", extra={"user_id": user.pk, "count": released})
    return released
