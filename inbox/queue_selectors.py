"""Reads of the queue: its rows a page at a time, one row for a live push, the filter counts.

Every function scopes by the user's teams (inbox.selectors.visible_team_ids), as every read does;
the queue is here on its own because it is the hottest read and the only keyset-paginated one
(inbox.queue_cursor). queue_rendering.py turns what these return into HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, QuerySet, Sum, Value, When

from accounts.models import User
from inbox.models import Channel, Conversation, ConversationStatus, Priority, QueueCounter
from inbox.queue_cursor import QueueCursor
from inbox.selectors import visible_team_ids

QUEUE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.PENDING)


@dataclass(frozen=True)
class QueueFilters:
    scope: str = "all"  # "mine", "unassigned" or "all" (all my teams)
    channel_id: int | None = None
    priority: str = ""
    status: str = ""  # "" is open and pending
    tag_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    rows: list[Conversation]
    next_cursor: str | None


def queue_rows(
    *, user: User, filters: QueueFilters, after: str | None = None, limit: int = 50, team_ids: list[int] | None = None
) -> QueuePage:
    """The agent's queue: breached first, then by SLA due time, then longest waiting.

    Keyset pagination on (sla_rank, sla_due_at, waiting_since, id), nulls last, so page 100 costs
    what page 1 costs. team_ids, when the caller already has them, saves the membership query.
    """
    if team_ids is None:
        team_ids = visible_team_ids(user=user)
    qs = _queue_queryset(user=user, filters=filters, team_ids=team_ids)
    cursor = QueueCursor.decode(after) if after else None
    if cursor is not None:
        qs = qs.filter(cursor.rows_after(index_prefix=_index_prefix(user=user, filters=filters, team_ids=team_ids)))
    qs = qs.order_by(*QueueCursor.ordering())
    qs = qs.select_related("channel", "customer", "identity", "assignee").only(*QUEUE_ROW_FIELDS)[: limit + 1]
    if connection.vendor == "postgresql":
        with transaction.atomic():
            # PostgreSQL estimates a row-value comparison by its first column alone (sla_rank > 1:
            # "no rows"), then prefers reading every later row and sorting them; on a big queue that
            # is 100+ ms where the ordered index scan stopping after limit + 1 rows takes 1 ms.
            # The only sensible plan for a keyset page is that index scan, so say so, for this
            # statement only.
            with connection.cursor() as db_cursor:
                db_cursor.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off")
            rows = list(qs)
    else:
        rows = list(qs)
    next_cursor = QueueCursor.of(rows[limit - 1]).encode() if len(rows) > limit else None
    return QueuePage(rows=rows[:limit], next_cursor=next_cursor)


def next_in_queue(*, user: User, after: Conversation) -> Conversation | None:
    """The conversation at the top of the user's queue other than this one: where to go once it is done."""
    rows = queue_rows(user=user, filters=QueueFilters(), limit=2).rows
    return next((c for c in rows if c.pk != after.pk), None)


def _index_prefix(*, user: User, filters: QueueFilters, team_ids: list[int]) -> tuple[str, int] | None:
    """The column the best partial queue index starts with, when the filters pin it by equality."""
    if filters.scope == "mine":
        return ("assignee_id", user.pk)
    if len(team_ids) == 1:
        return ("team_id", team_ids[0])
    return None


# What a queue row shows and sorts on; the rest of each row stays in the database.
QUEUE_ROW_FIELDS = (
    "id",
    "team_id",
    "status",
    "priority",
    "visibility",
    "subject",
    "last_message_preview",
    "waiting_since",
    "sla_due_at",
    "sla_state",
    "sla_paused_left_seconds",
    "sla_rank",
    "priority_reason",
    "channel__id",
    "channel__name",
    "channel__kind",
    "channel__config",
    "customer__id",
    "customer__name",
    "identity__id",
    "identity__handle",
    "identity__display_name",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def queue_row(*, conversation_id: int, team_ids: list[int]) -> Conversation | None:
    """One conversation as a queue row shows it, if it is in one of these teams (the live push)."""
    return (
        Conversation.objects.select_related("channel", "customer", "identity", "assignee")
        .only(*QUEUE_ROW_FIELDS, "channel_id", "assignee_id")
        .filter(pk=conversation_id, team_id__in=team_ids)
        .first()
    )


def _queue_queryset(*, user: User, filters: QueueFilters, team_ids: list[int] | None = None) -> QuerySet[Conversation]:
    statuses = [filters.status] if filters.status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    if team_ids is None:
        team_ids = visible_team_ids(user=user)
    qs = Conversation.objects.filter(team_id__in=team_ids, status__in=statuses)
    if filters.scope == "mine":
        qs = qs.filter(assignee=user)
    elif filters.scope == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    if filters.channel_id:
        qs = qs.filter(channel_id=filters.channel_id)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.tag_id:
        qs = qs.filter(tags=filters.tag_id)
    return qs


def matches_filters(*, conversation: Conversation, user: User, filters: QueueFilters) -> bool:
    """Whether a conversation belongs in a queue shown with these filters (the live path's check)."""
    statuses = [filters.status] if filters.status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    return (
        conversation.status in statuses
        and (filters.scope != "mine" or conversation.assignee_id == user.pk)
        and (filters.scope != "unassigned" or conversation.assignee_id is None)
        and (not filters.channel_id or conversation.channel_id == filters.channel_id)
        and (not filters.priority or conversation.priority == filters.priority)
        and (not filters.tag_id or conversation.tags.filter(pk=filters.tag_id).exists())
    )


SCOPES = (("all", "All my teams"), ("mine", "Mine"), ("unassigned", "Unassigned"))


@dataclass(frozen=True)
class QueueCounts:
    """Per-filter counts: each option counted with the other filters as currently chosen."""

    scope: dict[str, int]
    status: dict[str, int]
    priority: dict[str, int]
    channel: dict[int, int]
    total: int


def queue_counts(*, user: User, filters: QueueFilters, team_ids: list[int] | None = None) -> QueueCounts:
    """Counts from the trigger-maintained QueueCounter rows: one small read, never a COUNT(*).

    A team has at most channels x 2 statuses x 4 priorities x (agents + 1) counter rows, so this
    sums a few hundred rows however many conversations are open.
    """
    if team_ids is None:
        team_ids = visible_team_ids(user=user)
    # Assignees fold into three classes in SQL (unassigned 0, this user, anyone else -1), so an
    # admin over every team reads channels x 2 x 4 x 3 rows at most.
    who = Case(When(assignee_id=0, then=Value(0)), When(assignee_id=user.pk, then=Value(user.pk)), default=Value(-1))
    rows = list(
        QueueCounter.objects.filter(team_id__in=team_ids, n__gt=0)
        .annotate(who=who)
        .values("channel_id", "status", "priority", "who")
        .annotate(total=Sum("n"))
        .values_list("channel_id", "status", "priority", "who", "total")
    )

    def keep(row: tuple[int, str, str, int, int], skip: str) -> bool:
        channel_id, status, priority, assignee_id, _ = row
        return (
            (
                skip == "scope"
                or filters.scope == "all"
                or (filters.scope == "mine" and assignee_id == user.pk)
                or (filters.scope == "unassigned" and assignee_id == 0)
            )
            and (skip == "status" or not filters.status or status == filters.status)
            and (skip == "priority" or not filters.priority or priority == filters.priority)
            and (skip == "channel" or not filters.channel_id or channel_id == filters.channel_id)
        )

    scope = {"all": 0, "mine": 0, "unassigned": 0}
    status = {"": 0, "open": 0, "pending": 0}
    priority = {"": 0, **{value: 0 for value in Priority.values}}
    channel: dict[int, int] = {}
    total = 0
    for row in rows:
        channel_id, row_status, row_priority, assignee_id, n = row
        if keep(row, "scope"):
            scope["all"] += n
            scope["mine"] += n if assignee_id == user.pk else 0
            scope["unassigned"] += n if assignee_id == 0 else 0
        if keep(row, "status"):
            status[""] += n
            status[row_status] = status.get(row_status, 0) + n
        if keep(row, "priority"):
            priority[""] += n
            priority[row_priority] = priority.get(row_priority, 0) + n
        if keep(row, "channel"):
            channel[channel_id] = channel.get(channel_id, 0) + n
        if keep(row, ""):
            total += n
    return QueueCounts(scope=scope, status=status, priority=priority, channel=channel, total=total)


def queue_channels(*, team_ids: list[int]) -> list[Channel]:
    return list(Channel.objects.filter(team_id__in=team_ids).only("pk", "name", "kind", "config").order_by("name"))
