"""Automatic assignment: round robin among a team's online agents, within each agent's capacity.

Runs after commit, in the worker that handles a change (inbox.followups, for the reasons whose
inbox.changes.REASONS entry says assign: a new conversation, a status change, an (un)assignment), and
when an agent comes online (their first websocket heartbeat, inbox/consumers.py). It hands out the most urgent unassigned
open conversation first (or the oldest waiting, as the team's order says), to the online agent
assigned longest ago who still has room (User.capacity counts open plus pending conversations).
One team is assigned by one process at a time: the Team row is locked for each hand-out.
"""

from __future__ import annotations

import contextvars
import logging

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import AssignmentOrder, Role, Team, User
from inbox.actions.conversations import assign_conversation
from inbox.models import Conversation, ConversationStatus
from inbox.presence import online_filter

logger = logging.getLogger(__name__)

_running: contextvars.ContextVar[bool] = contextvars.ContextVar("parley_auto_assign_running", default=False)
AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
# What counts against an agent's capacity: a pending conversation still comes back to them.
HELD = (ConversationStatus.OPEN, ConversationStatus.PENDING)
ORDERS = {
    # The queue's own order: breached first, then soonest due, then waiting longest.
    AssignmentOrder.URGENT_FIRST: ("sla_rank", F("sla_due_at").asc(nulls_last=True), F("waiting_since").asc(nulls_last=True)),
    AssignmentOrder.OLDEST_FIRST: (F("waiting_since").asc(nulls_last=True), "created_at"),
}


def next_agent(*, team: Team) -> User | None:
    """The online member with room, assigned longest ago (never assigned first)."""
    return (
        User.objects.filter(teams=team, is_active=True, role__in=AGENT_ROLES)
        .filter(online_filter())
        .annotate(held=Count("assigned", filter=Q(assigned__status__in=HELD), distinct=True))
        .filter(held__lt=F("capacity"))
        .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )


def most_urgent_unassigned(*, team_id: int, order: str = AssignmentOrder.URGENT_FIRST) -> Conversation | None:
    return (
        Conversation.objects.filter(team_id=team_id, status=ConversationStatus.OPEN, assignee__isnull=True)
        .order_by(*ORDERS.get(order, ORDERS[AssignmentOrder.URGENT_FIRST]), "id")
        .first()
    )


def assign_waiting(*, team_id: int, limit: int = 200) -> int:
    """Assign as many waiting conversations as the team's online capacity allows; returns how many."""
    if _running.get():
        return 0  # an assignment made here triggers this again on commit: the outer loop goes on
    if not Team.objects.filter(pk=team_id, auto_assign=True, archived_at__isnull=True).exists():
        return 0
    token = _running.set(True)
    assigned = 0
    try:
        while assigned < limit:
            with transaction.atomic():
                team = Team.objects.select_for_update().get(pk=team_id)
                agent = next_agent(team=team)
                conversation = most_urgent_unassigned(team_id=team_id, order=team.assignment_order) if agent is not None else None
                if agent is None or conversation is None:
                    break
                assign_conversation(conversation=conversation, assignee=agent, actor=None)
                User.objects.filter(pk=agent.pk).update(last_assigned_at=timezone.now())
            assigned += 1
    finally:
        _running.reset(token)
    if assigned:
        logger.info("auto-assigned", extra={"team_id": team_id, "count": assigned})
    return assigned


def assign_for_agent(*, user: User) -> int:
    """An agent just came online: their teams may have work waiting for them."""
    return sum(assign_waiting(team_id=team_id) for team_id in user.teams.filter(auto_assign=True).values_list("pk", flat=True))
