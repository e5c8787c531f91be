"""Arrivals against opening hours: a weekday x hour grid of conversations in, in a calendar's own
zone, each cell with the median real wait for the first response, and the share that came while
the calendar was closed.

One definition of each figure:
- an arrival is a conversation created in the period, placed by its local weekday and hour in the
  calendar's zone (not the user's: opening hours are the calendar's);
- its wait is the real (wall-clock) wait of its first first-response outcome (its first cycle); one still
  unanswered has no wait yet and is left out of the medians, as on the reports page;
- an hour is drawn open when the calendar's weekly hours cover any of it, and an arrival counts
  as inside opening hours when its hour is drawn open (holidays are not drawn).
Aggregated in one GROUPING SETS statement on PostgreSQL; SQLite (the demo) reads the rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from django.db import connection

from inbox.models import Conversation
from sla.evaluation import FIRST_CYCLE
from sla.models import DAYS, BusinessCalendar, Metric
from sla.reports.figures import percentile_cont, where_sql
from sla.reports.filters import Scope
from sla.reports.page import wait

HOURS = range(24)
WEEKDAYS = range(1, 8)  # ISO: 1 is Monday, as extract(isodow) counts
HEAT_LEVELS = 5


@dataclass(frozen=True)
class Cell:
    weekday: int  # ISO weekday
    hour: int
    arrivals: int
    median_wait: float | None  # seconds
    open: bool
    level: int  # 0 (none) .. HEAT_LEVELS - 1 (busiest), for the cell's shade

    @property
    def wait_label(self) -> str:
        return wait(self.median_wait)


@dataclass(frozen=True)
class Side:
    """Arrivals inside or outside opening hours."""

    arrivals: int
    median_wait: float | None


@dataclass(frozen=True)
class Heatmap:
    calendar: BusinessCalendar
    rows: list[tuple[str, list[Cell]]]  # (weekday name, its 24 cells)
    inside: Side
    outside: Side

    @property
    def arrivals(self) -> int:
        return self.inside.arrivals + self.outside.arrivals

    @property
    def outside_percent(self) -> float | None:
        return 100.0 * self.outside.arrivals / self.arrivals if self.arrivals else None


def open_slots(calendar: BusinessCalendar) -> frozenset[tuple[int, int]]:
    """(ISO weekday, hour) pairs the calendar's weekly hours cover any part of."""
    if calendar.always_open:
        return frozenset((d, h) for d in WEEKDAYS for h in HOURS)
    slots: set[tuple[int, int]] = set()
    for day, spans in calendar.intervals().items():
        for start, end in spans:
            first = _minutes(start)
            last = _minutes(end) if end > start else 24 * 60 + _minutes(end)  # past midnight
            for hour in range(first // 60, (last + 59) // 60):
                slots.add(((day + hour // 24) % 7 + 1, hour % 24))
    return frozenset(slots)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def heatmap(scope: Scope, calendar: BusinessCalendar) -> Heatmap:
    slots = open_slots(calendar)
    zone = calendar.timezone or "UTC"
    if connection.vendor == "postgresql":
        cells, sides = _in_postgres(scope, zone, slots)
    else:
        cells, sides = _in_python(scope, zone, slots)
    busiest = max((n for n, _ in cells.values()), default=0)
    rows = []
    for weekday in WEEKDAYS:
        row = []
        for hour in HOURS:
            n, median = cells.get((weekday, hour), (0, None))
            level = 0 if not n else 1 + (HEAT_LEVELS - 2) * n // busiest
            row.append(Cell(weekday, hour, n, median, (weekday, hour) in slots, level))
        rows.append((DAYS[weekday - 1], row))
    empty = Side(0, None)
    return Heatmap(calendar, rows, sides.get(True, empty), sides.get(False, empty))


def heatmap_sql(scope: Scope, zone: str, slots: frozenset[tuple[int, int]]) -> tuple[str, list[object]]:
    """The one aggregate behind the grid and the sentence above it (bench/reports.py runs it bare)."""
    where, params = where_sql(scope, "c", "c.created_at")
    local = "(c.created_at AT TIME ZONE %s)"
    sql = f"""
        SELECT GROUPING(weekday, hour), weekday, hour, inside, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY wait)
        FROM (
            SELECT extract(isodow FROM {local})::int AS weekday, extract(hour FROM {local})::int AS hour,
                   extract(isodow FROM {local})::int * 24 + extract(hour FROM {local})::int = ANY(%s) AS inside,
                   e.wall_seconds AS wait
            FROM inbox_conversation c
            LEFT JOIN sla_slaevent e
              ON e.conversation_id = c.id AND e.metric = %s AND e.cycle = %s AND e.sequence = 0
            WHERE {where}
        ) arrivals
        GROUP BY GROUPING SETS ((weekday, hour, inside), (inside))
    """
    keys = sorted(d * 24 + h for d, h in slots)
    return sql, [zone, zone, zone, zone, keys, Metric.FIRST_RESPONSE, FIRST_CYCLE, *params]


def _in_postgres(scope, zone, slots):
    sql, params = heatmap_sql(scope, zone, slots)
    cells: dict[tuple[int, int], tuple[int, float | None]] = {}
    sides: dict[bool, Side] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for mask, weekday, hour, inside, n, median in cursor:
            if mask == 0:
                cells[(weekday, hour)] = (n, median)
            else:
                sides[inside] = Side(n, median)
    return cells, sides


def _in_python(scope, zone, slots):
    # SQLite has neither time zones nor percentile_cont: the same figures over the rows.
    tz = ZoneInfo(zone)
    first_waits = dict(
        Conversation.objects.filter(
            scope.conversation_filter(),
            created_at__gte=scope.period.start,
            created_at__lt=scope.period.end,
            sla_events__metric=Metric.FIRST_RESPONSE,
            sla_events__cycle=FIRST_CYCLE,
            sla_events__sequence=0,
        ).values_list("pk", "sla_events__wall_seconds")
    )
    rows = Conversation.objects.filter(
        scope.conversation_filter(), created_at__gte=scope.period.start, created_at__lt=scope.period.end
    ).values_list("pk", "created_at")
    by_cell: dict[tuple[int, int], list[float | None]] = defaultdict(list)
    for pk, created_at in rows:
        local = created_at.astimezone(tz)
        by_cell[(local.isoweekday(), local.hour)].append(first_waits.get(pk))
    cells = {key: (len(waits), _median(waits)) for key, waits in by_cell.items()}
    sides = {}
    for inside in (True, False):
        waits = [w for key, found in by_cell.items() if (key in slots) == inside for w in found]
        if waits:
            sides[inside] = Side(len(waits), _median(waits))
    return cells, sides


def _median(waits: list[float | None]) -> float | None:
    return percentile_cont(sorted(float(w) for w in waits if w is not None), 0.5)
