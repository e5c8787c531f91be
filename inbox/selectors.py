"""Every read of conversations goes through here, scoped to what the user may see.

Agents see their teams' conversations, supervisors the teams they supervise (and their own), admins
everything. Pages, APIs and websockets all ask these functions, so the rule lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role, Team, User
from inbox.models import Conversation, ConversationEvent, ConversationStatus, Customer, Message


def visible_team_ids(*, user: User) -> list[int]:
    if not user.is_authenticated or not user.is_active:
        return []
    if user.role == Role.ADMIN:
        return list(Team.objects.values_list("pk", flat=True))
    ids = set(user.teams.values_list("pk", flat=True))
    if user.role == Role.SUPERVISOR:
        ids |= set(user.supervised_teams.values_list("pk", flat=True))
    return sorted(ids)


def visible_conversations(*, user: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(team_id__in=visible_team_ids(user=user))


def conversation_for_user(*, user: User, conversation_id: int) -> Conversation:
    """The conversation if the user may see it; otherwise 404, never 403, so ids leak nothing."""
    conversation = (
        visible_conversations(user=user)
        .select_related("channel", "customer", "identity", "assignee", "team")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def customer_for_user(*, user: User, customer_id: int) -> Customer:
    """A customer is visible when any of their conversations is."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not _customer_visible(user, customer):
        raise Http404("No such customer")
    return customer


def _customer_visible(user: User, customer: Customer) -> bool:
    if user.role == Role.ADMIN:
        return True
    return visible_conversations(user=user).filter(customer=customer).exists()


def thread(*, conversation: Conversation) -> list[Message]:
    return list(
        conversation.messages.select_related("author_identity", "author_user").order_by("platform_time", "id")
    )


def timeline(*, conversation: Conversation) -> list[ConversationEvent]:
    return list(conversation.events.select_related("actor").order_by("created_at", "id"))


QUEUE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.PENDING)


@dataclass(frozen=True)
class QueueFilters:
    scope: str = "all"  # "mine", "unassigned" or "all" (all my teams)
    channel_id: int | None = None
    priority: str = ""
    status: str = ""  # "" is open and pending


@dataclass(frozen=True)
class QueuePage:
    rows: list[Conversation]
    next_cursor: str | None


def queue_rows(*, user: User, filters: QueueFilters, after: str | None = None, limit: int = 50) -> QueuePage:
    """The agent's queue: breached first, then by SLA due time, then longest waiting.

    Keyset pagination on (sla_rank, sla_due_at, waiting_since, id), nulls last, so page 100 costs
    what page 1 costs.
    """
    qs = _queue_queryset(user=user, filters=filters)
    if after:
        qs = qs.filter(_after_cursor(after))
    rows = list(
        qs.select_related("channel", "customer", "identity", "assignee").order_by(
            "sla_rank", "sla_due_at", "waiting_since", "id"
        )[: limit + 1]
    )
    next_cursor = _cursor_of(rows[limit - 1]) if len(rows) > limit else None
    return QueuePage(rows=rows[:limit], next_cursor=next_cursor)


def _queue_queryset(*, user: User, filters: QueueFilters) -> QuerySet[Conversation]:
    statuses = [filters.status] if filters.status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    qs = visible_conversations(user=user).filter(status__in=statuses)
    if filters.scope == "mine":
        qs = qs.filter(assignee=user)
    elif filters.scope == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    if filters.channel_id:
        qs = qs.filter(channel_id=filters.channel_id)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    return qs


_FAR = "9999-12-31T00:00:00+00:00"


def _cursor_of(row: Conversation) -> str:
    due = row.sla_due_at.isoformat() if row.sla_due_at else _FAR
    waiting = row.waiting_since.isoformat() if row.waiting_since else _FAR
    return f"{row.sla_rank}|{due}|{waiting}|{row.pk}"


def _after_cursor(cursor: str) -> Q:
    # PostgreSQL sorts NULLs last ascending, as does the cursor's far-future stand-in.
    try:
        rank_s, due_s, waiting_s, pk_s = cursor.split("|")
        rank, pk = int(rank_s), int(pk_s)
        due, waiting = datetime.fromisoformat(due_s), datetime.fromisoformat(waiting_s)
    except ValueError:
        return Q()
    due_null, waiting_null = due_s == _FAR, waiting_s == _FAR
    due_gt = Q(sla_due_at__isnull=True) if not due_null else Q(pk__in=[])
    due_eq = Q(sla_due_at__isnull=True) if due_null else Q(sla_due_at=due)
    if not due_null:
        due_gt |= Q(sla_due_at__gt=due)
    waiting_gt = Q(waiting_since__isnull=True) if not waiting_null else Q(pk__in=[])
    waiting_eq = Q(waiting_since__isnull=True) if waiting_null else Q(waiting_since=waiting)
    if not waiting_null:
        waiting_gt |= Q(waiting_since__gt=waiting)
    return (
        Q(sla_rank__gt=rank)
        | Q(sla_rank=rank) & due_gt
        | Q(sla_rank=rank) & due_eq & waiting_gt
        | Q(sla_rank=rank) & due_eq & waiting_eq & Q(pk__gt=pk)
    )


def customer_conversations(*, user: User, customer: Customer) -> list[Conversation]:
    return list(
        visible_conversations(user=user)
        .filter(customer=customer)
        .select_related("channel", "identity", "assignee")
        .order_by("-created_at")
    )


def queue_groups_for(*, user: User) -> list[str]:
    from inbox.events import team_group

    return [team_group(team_id) for team_id in visible_team_ids(user=user)]
