"""The reports' figures, aggregated in the database: met %, breaches and p50/p90/p95 of each
metric in both clocks, by channel, team, agent and priority, conversations in and replies out,
and the series. Nothing here loads a period's rows into Python on PostgreSQL.

One definition of each figure:
- an outcome counts in the period its instant (SlaEvent.happened_at: the reply, or the deadline
  passed) falls in; met % is achieved / (achieved + breached);
- a time is the wait until the reply or resolution: business seconds (what the SLA measures) and
  wall seconds (what the customer lived); a breach still unanswered has no time yet and is left
  out of the percentiles, not counted as zero;
- percentiles interpolate linearly between the two nearest waits, as PostgreSQL's
  percentile_cont does; on SQLite (the demo) percentile_cont() below does the same over the
  waits of each group.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Trunc

from accounts.models import User
from inbox.models import Conversation, ConversationStatus, Customer, Direction, Message, MessageKind, Priority
from sla.models import Metric, Outcome, SlaEvent
from sla.reports.filters import Scope

FRACTIONS = (0.5, 0.9, 0.95)
METRICS = tuple(Metric.values)
# Report dimension -> the column on SlaEvent and Conversation it groups by.
DIMENSIONS = {"channel": "channel_id", "team": "team_id", "agent": "assignee_id", "priority": "priority"}
OVERALL = ""
_TAGS = Conversation.tags.through._meta.db_table


@dataclass(frozen=True)
class Times:
    """p50, p90, p95 of one clock, in seconds (None: no finished wait)."""

    p50: float | None
    p90: float | None
    p95: float | None


@dataclass(frozen=True)
class MetricFigures:
    metric: str
    achieved: int
    breached: int
    business: Times
    real: Times

    @property
    def label(self) -> str:
        return Metric(self.metric).label

    @property
    def outcomes(self) -> int:
        return self.achieved + self.breached

    @property
    def met_percent(self) -> float | None:
        return 100.0 * self.achieved / self.outcomes if self.outcomes else None


# dimension ("" for the whole scope) -> group value -> metric -> figures
Grouped = dict[str, dict[object, dict[str, MetricFigures]]]


def percentile_cont(ordered: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over already sorted values: linear between the nearest ranks."""
    if not ordered:
        return None
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def outcome_figures(scope: Scope) -> Grouped:
    """Every metric's figures for the whole scope and by each dimension, in one pass over the events."""
    if connection.vendor == "postgresql":
        return _outcomes_in_postgres(scope)
    return _outcomes_in_python(scope)


def where_sql(scope: Scope, alias: str, time_column: str) -> tuple[str, list[object]]:
    """The scope as SQL over a table carrying the report columns (events, or conversations)."""
    clauses = [f"{alias}.team_id = ANY(%s)", f"{time_column} >= %s", f"{time_column} < %s"]
    params: list[object] = [list(scope.team_ids), scope.period.start, scope.period.end]
    if scope.channel_ids is not None:
        clauses.append(f"{alias}.channel_id = ANY(%s)")
        params.append(list(scope.channel_ids))
    for column, value in (("visibility", scope.visibility), ("priority", scope.priority)):
        if value:
            clauses.append(f"{alias}.{column} = %s")
            params.append(value)
    if scope.assignee_id is not None:
        clauses.append(f"{alias}.assignee_id = %s")
        params.append(scope.assignee_id)
    if scope.tag_id is not None:
        # alias "e" is sla_slaevent (its conversation_id), "c" inbox_conversation (its id).
        conversation_id = f"{alias}.conversation_id" if alias == "e" else f"{alias}.id"
        clauses.append(f"{conversation_id} IN (SELECT conversation_id FROM {_TAGS} WHERE tag_id = %s)")
        params.append(scope.tag_id)
    return " AND ".join(clauses), params


_COLUMNS = ("channel_id", "team_id", "assignee_id", "priority")
# GROUPING(channel_id, team_id, assignee_id, priority) sets a bit for each column a row is NOT grouped by.
_SET_OF_MASK = {15: OVERALL, 7: "channel", 11: "team", 13: "agent", 14: "priority"}


def outcome_sql(scope: Scope) -> tuple[str, list[object]]:
    """The one aggregate behind every outcome figure (bench/reports.py runs it bare, too)."""
    where, params = where_sql(scope, "e", "e.happened_at")
    fractions = ", ".join(str(f) for f in FRACTIONS)
    sql = f"""
        SELECT GROUPING({", ".join(_COLUMNS)}), {", ".join(_COLUMNS)}, metric,
               count(*) FILTER (WHERE outcome = 'achieved'), count(*) FILTER (WHERE outcome = 'breached'),
               percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY business_seconds),
               percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY wall_seconds)
        FROM sla_slaevent e WHERE {where}
        GROUP BY GROUPING SETS ((metric), {", ".join(f"({c}, metric)" for c in _COLUMNS)})
    """
    return sql, params


def _outcomes_in_postgres(scope: Scope) -> Grouped:
    sql, params = outcome_sql(scope)
    grouped: Grouped = {name: {} for name in (OVERALL, *DIMENSIONS)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for mask, channel_id, team_id, assignee_id, priority, metric, achieved, breached, business, wall in cursor:
            dimension = _SET_OF_MASK[mask]
            key = {"": None, "channel": channel_id, "team": team_id, "agent": assignee_id, "priority": priority}[dimension]
            grouped[dimension].setdefault(key, {})[metric] = MetricFigures(
                metric, achieved, breached, Times(*(business or (None,) * 3)), Times(*(wall or (None,) * 3))
            )
    return grouped


def _outcomes_in_python(scope: Scope) -> Grouped:
    # SQLite has no percentile_cont: the same figures over the waits of each group.
    rows = events_in(scope).order_by().values_list(*_COLUMNS, "metric", "outcome", "business_seconds", "wall_seconds")
    buckets: dict[tuple[str, object, str], list[tuple[str, int | None, int | None]]] = defaultdict(list)
    for channel_id, team_id, assignee_id, priority, metric, outcome, business, wall in rows:
        keys = {"": None, "channel": channel_id, "team": team_id, "agent": assignee_id, "priority": priority}
        for dimension, key in keys.items():
            buckets[(dimension, key, metric)].append((outcome, business, wall))
    grouped: Grouped = {name: {} for name in (OVERALL, *DIMENSIONS)}
    for (dimension, key, metric), items in buckets.items():
        grouped[dimension].setdefault(key, {})[metric] = MetricFigures(
            metric,
            sum(outcome == Outcome.ACHIEVED for outcome, _, _ in items),
            sum(outcome == Outcome.BREACHED for outcome, _, _ in items),
            _times(b for _, b, _ in items),
            _times(w for _, _, w in items),
        )
    return grouped


def _times(values: Iterable[int | None]) -> Times:
    ordered = sorted(float(v) for v in values if v is not None)
    return Times(*(percentile_cont(ordered, f) for f in FRACTIONS))


def events_in(scope: Scope) -> QuerySet:
    return SlaEvent.objects.filter(scope.event_filter(), happened_at__gte=scope.period.start, happened_at__lt=scope.period.end)


def conversations_in(scope: Scope) -> QuerySet:
    return Conversation.objects.filter(
        scope.conversation_filter(), created_at__gte=scope.period.start, created_at__lt=scope.period.end
    )


def replies_out(scope: Scope) -> QuerySet:
    """Replies people sent in the period (not notes, not Parley's own acknowledgements, not failed sends)."""
    return (
        Message.objects.filter(
            direction=Direction.OUT,
            kind=MessageKind.MESSAGE,
            automated=False,
            platform_time__gte=scope.period.start,
            platform_time__lt=scope.period.end,
        )
        .exclude(delivery_state="failed")
        .filter(scope.conversation_filter("conversation__"))
    )


# A reply out, as replies_out() says it.
_REPLY = "m.direction = 'out' AND m.kind = 'message' AND NOT m.automated AND m.delivery_state <> 'failed'"
_SETS = "GROUPING SETS ((), " + ", ".join(f"(c.{c})" for c in _COLUMNS) + ")"


def counts_sql(scope: Scope) -> list[tuple[str, list[object]]]:
    """Conversations in, and replies out, each grouped every way in one statement (PostgreSQL)."""
    came, came_params = where_sql(scope, "c", "c.created_at")
    sent, sent_params = where_sql(scope, "c", "m.platform_time")
    columns = ", ".join(f"c.{c}" for c in _COLUMNS)
    grouping = f"GROUPING({columns}), {columns}, count(*)"
    return [
        (f"SELECT {grouping} FROM inbox_conversation c WHERE {came} GROUP BY {_SETS}", came_params),
        (
            f"SELECT {grouping} FROM inbox_message m JOIN inbox_conversation c ON c.id = m.conversation_id"
            f" WHERE {_REPLY} AND {sent} GROUP BY {_SETS}",
            sent_params,
        ),
    ]


def counts(scope: Scope) -> dict[str, dict[object, tuple[int, int]]]:
    """Conversations in and replies out, for the whole scope and by each dimension."""
    if connection.vendor == "postgresql":
        return _counts_in_postgres(scope)
    out: dict[str, dict[object, tuple[int, int]]] = {}
    came, sent = conversations_in(scope), replies_out(scope)
    out[OVERALL] = {None: (came.count(), sent.count())}
    for dimension, column in DIMENSIONS.items():
        ins = dict(came.order_by().values_list(column).annotate(n=Count("id")))
        outs = dict(sent.order_by().values_list(f"conversation__{column}").annotate(n=Count("id")))
        out[dimension] = {key: (ins.get(key, 0), outs.get(key, 0)) for key in {*ins, *outs}}
    return out


def _counts_in_postgres(scope: Scope) -> dict[str, dict[object, tuple[int, int]]]:
    found: list[dict[str, dict[object, int]]] = []
    with connection.cursor() as cursor:
        for sql, params in counts_sql(scope):
            grouped: dict[str, dict[object, int]] = {name: {} for name in (OVERALL, *DIMENSIONS)}
            cursor.execute(sql, params)
            for mask, channel_id, team_id, assignee_id, priority, n in cursor:
                dimension = _SET_OF_MASK[mask]
                key = {"": None, "channel": channel_id, "team": team_id, "agent": assignee_id, "priority": priority}[dimension]
                grouped[dimension][key] = n
            found.append(grouped)
    came, sent = found
    out = {name: {k: (came[name].get(k, 0), sent[name].get(k, 0)) for k in {*came[name], *sent[name]}} for name in came}
    out[OVERALL].setdefault(None, (0, 0))
    return out


@dataclass(frozen=True)
class TagCounts:
    tag_id: int
    conversations_in: dict[int, int]  # channel id -> conversations of the period with the tag
    breaches: int  # outcomes breached in the period, any metric

    @property
    def total_in(self) -> int:
        return sum(self.conversations_in.values())


def by_tag(scope: Scope) -> list[TagCounts]:
    """What customers asked about on which channel: per tag (many to many, so not one of the
    grouped columns above; a conversation with two tags counts under each), two grouped counts."""
    came: dict[int, dict[int, int]] = defaultdict(dict)
    tagged = conversations_in(scope).filter(tags__isnull=False).order_by()
    for tag_id, channel_id, n in tagged.values_list("tags", "channel_id").annotate(n=Count("id")):
        came[tag_id][channel_id] = n
    breached = events_in(scope).filter(outcome=Outcome.BREACHED, conversation__tags__isnull=False).order_by()
    breaches = dict(breached.values_list("conversation__tags").annotate(n=Count("id")))
    return [TagCounts(tag_id, came.get(tag_id, {}), breaches.get(tag_id, 0)) for tag_id in {*came, *breaches}]


@dataclass(frozen=True)
class Point:
    at: datetime  # the bucket's local start
    conversations_in: int
    replies_out: int
    breaches: int


def series_sql(scope: Scope) -> list[tuple[str, list[object]]]:
    """Conversations in, replies out and breaches per local hour or day (PostgreSQL)."""
    bucket = "date_trunc(%s, {} AT TIME ZONE %s)"
    head: list[object] = [scope.period.step, str(scope.period.zone)]
    came, came_params = where_sql(scope, "c", "c.created_at")
    sent, sent_params = where_sql(scope, "c", "m.platform_time")
    events, event_params = where_sql(scope, "e", "e.happened_at")
    return [
        (
            f"SELECT {bucket.format('c.created_at')}, count(*) FROM inbox_conversation c WHERE {came} GROUP BY 1",
            head + came_params,
        ),
        (
            f"SELECT {bucket.format('m.platform_time')}, count(*) FROM inbox_message m"
            f" JOIN inbox_conversation c ON c.id = m.conversation_id WHERE {_REPLY} AND {sent} GROUP BY 1",
            head + sent_params,
        ),
        (
            f"SELECT {bucket.format('e.happened_at')}, count(*) FROM sla_slaevent e"
            f" WHERE {events} AND e.outcome = 'breached' GROUP BY 1",
            head + event_params,
        ),
    ]


def series(scope: Scope) -> list[Point]:
    """Hour by hour (up to two days) or day by day in the user's zone; quiet buckets are zeros."""
    period = scope.period
    if connection.vendor == "postgresql":
        found = []
        with connection.cursor() as cursor:
            for sql, params in series_sql(scope):
                cursor.execute(sql, params)
                # Local wall times back to instants in the zone, as Django's Trunc(tzinfo=) does.
                found.append({local.replace(tzinfo=period.zone): n for local, n in cursor})
        came, sent, breached = found
    else:

        def per_bucket(rows: QuerySet, field: str) -> dict[datetime, int]:
            bucketed = rows.order_by().annotate(bucket=Trunc(field, period.step, tzinfo=period.zone)).values_list("bucket")
            return dict(bucketed.annotate(n=Count("id")))

        came = per_bucket(conversations_in(scope), "created_at")
        sent = per_bucket(replies_out(scope), "platform_time")
        breached = per_bucket(events_in(scope).filter(outcome=Outcome.BREACHED), "happened_at")
    return [Point(at, came.get(at, 0), sent.get(at, 0), breached.get(at, 0)) for at in period.buckets()]


@dataclass(frozen=True)
class DrillRow:
    """One conversation behind a figure as its page prints it, and the instant that put it there.
    Plain values, not model instances: a page of them costs what its query costs."""

    conversation_id: int
    subject: str
    customer: str
    channel: str
    team: str
    assignee: str  # "" when unassigned
    priority: str
    status: str
    created_at: datetime
    at: datetime  # when the outcome happened, or, for conversations in, when it came in


# What the page prints of a conversation, in DrillRow's order after the id.
_DRILL_COLUMNS = (
    "id", "subject", "customer_id", "customer__name", "channel__name", "team__name", "assignee__username",
    "assignee__first_name", "assignee__last_name", "priority", "status", "created_at",
)  # fmt: skip


# Built once: the enums' .values and .label are recomputed on every call, a third of a page's cost.
_PRIORITY_LABELS = dict(Priority.choices)
_STATUS_LABELS = dict(ConversationStatus.choices)


def _drill_row(values: Sequence, at: datetime) -> DrillRow:
    pk, subject, customer_id, customer, channel, team, username, first, last, priority, status, created_at = values
    return DrillRow(
        conversation_id=pk,
        subject=subject,
        customer=Customer.name_from(customer, customer_id),
        channel=channel,
        team=team,
        # The assignee's columns are all NULL through the outer join when nobody has it: "".
        assignee=User.name_from(first, last, username),
        priority=_PRIORITY_LABELS.get(priority, priority),
        status=_STATUS_LABELS.get(status, status),
        created_at=created_at,
        at=at,
    )


def drill_down(scope: Scope, *, metric: str = "", outcome: str = "", start: int = 0, stop: int | None = None) -> list[DrillRow]:
    """The conversations behind a figure, newest first, rows start to stop: those that came in the
    period (by when they came), or those with that metric's outcome in the period, each once, by
    its latest such outcome (a conversation breached twice is listed at its last breach)."""
    if metric not in METRICS:
        conversations = conversations_in(scope).order_by("-created_at", "-id").values_list(*_DRILL_COLUMNS)
        return [_drill_row(values, values[-1]) for values in conversations[start:stop]]
    same = {"metric": metric} | ({"outcome": outcome} if outcome in Outcome.values else {})
    # Later in the period, or as late with a higher id: the outer event is not its conversation's last.
    later = SlaEvent.objects.filter(
        Q(happened_at__gt=OuterRef("happened_at")) | Q(happened_at=OuterRef("happened_at"), pk__gt=OuterRef("pk")),
        conversation_id=OuterRef("conversation_id"),
        happened_at__lt=scope.period.end,
        **same,
    )
    # Walked newest first along sla_event_drill_down, which carries the filter columns, so a page
    # costs a page's worth of index entries and not a sort of the period's events.
    events = (
        events_in(scope)
        .filter(~Exists(later), **same)
        .order_by("-happened_at", "-pk")
        .values_list("happened_at", *(f"conversation__{column}" for column in _DRILL_COLUMNS))
    )
    return [_drill_row(values[1:], values[0]) for values in events[start:stop]]
