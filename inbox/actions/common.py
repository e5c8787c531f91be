"""What every action shares: its errors and the conversation's audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import User
from inbox.models import Conversation, ConversationEvent


class IngestError(ValueError):
    """The inbound message cannot be stored as given (no channel, no external id)."""


class ActionError(ValueError):
    """An agent action that cannot be done; the text is shown to the agent."""


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


def preview_of(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
