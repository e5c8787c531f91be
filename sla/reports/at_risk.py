"""The open conversations at risk of a breach or breached now: the live list a supervisor watches.

Breached first (the longest overdue on top), then at risk with the soonest deadline; the list is
short by nature, so it is read whole and re-read on every change that could touch it.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from inbox.models import Conversation, ConversationStatus, SlaState

SHOWN = 100
STATES = (SlaState.BREACHED, SlaState.AT_RISK)


def at_risk(*, team_ids: list[int]) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(team_id__in=team_ids, sla_state__in=STATES)
        .exclude(status=ConversationStatus.RESOLVED)
        .select_related("channel", "team", "customer", "assignee")
        .order_by("sla_rank", F("sla_due_at").asc(nulls_last=True), "id")
    )


def concerns(*, conversation_id: int, team_ids: list[int], shown: set[int]) -> bool:
    """Whether a change to this conversation can alter the list: it is on it now, or was."""
    return conversation_id in shown or at_risk(team_ids=team_ids).filter(pk=conversation_id).exists()
