"""What-if: the period's real first responses replayed under other opening hours (sla/whatif.py).

The conversations replayed are those today's calendar measured: their policy's calendar, or their
team's default calendar when the policy has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import BigIntegerField, Func, Q, QuerySet

from sla import whatif
from sla.calendars import draft_clock, to_clock
from sla.models import BusinessCalendar, Metric, Outcome, SlaEvent
from sla.reports.figures import percentile_cont
from sla.reports.filters import Scope

PRESETS = {
    "until18": "Open until 18:00 on every open day",
    "saturday": "Also open Saturdays 10:00–14:00",
}


def preset_hours(base: BusinessCalendar, preset: str) -> dict[str, list[list[str]]]:
    """The base calendar's week changed by a preset ("open until 18:00", "Saturdays 10 to 14")."""
    hours = {day: [list(span) for span in spans] for day, spans in (base.weekly_hours or {}).items()}
    if preset == "until18":
        for spans in hours.values():
            start, end = spans[-1]
            if start < end < "18:00":  # an overnight span already runs past 18:00
                spans[-1] = [start, "18:00"]
    elif preset == "saturday" and "5" not in hours:
        hours["5"] = [["10:00", "14:00"]]
    return hours


def form_days(hours: dict[str, list[list[str]]]) -> list[tuple[int, str]]:
    """The hours as the calendar form writes them (day_0 ... day_6), for "Save as a calendar"."""
    return [(day, ", ".join(f"{a}-{b}" for a, b in hours.get(str(day), []))) for day in range(7)]


def measured(scope: Scope, calendar: BusinessCalendar) -> QuerySet[SlaEvent]:
    """The period's first responses the calendar measured: what a replay reads (and counts first)."""
    measured_by = Q(policy__calendar=calendar) | Q(policy__calendar__isnull=True, team__default_calendar=calendar)
    return SlaEvent.objects.filter(scope.event_filter(), measured_by, metric=Metric.FIRST_RESPONSE).filter(
        started_at__gte=scope.period.start, started_at__lt=scope.period.end
    )


class EpochMicroseconds(Func):
    """A timestamp as microseconds since the Unix epoch (exact: EXTRACT gives numeric). Reading a
    quarter of a million rows, PostgreSQL's integers load into Python about four times faster
    than its timestamps do as aware datetimes, and the replay counts in microseconds anyway."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def first_responses(scope: Scope, calendar: BusinessCalendar) -> Iterator[whatif.FirstResponse]:
    rows = measured(scope, calendar).order_by()
    if connection.vendor == "postgresql":
        rows = rows.annotate(arrived=EpochMicroseconds("started_at"), replied=EpochMicroseconds("responded_at"))
        columns = ("arrived", "replied")
    else:  # SQLite (the demo) has no exact epoch arithmetic; its datetimes are few
        columns = ("started_at", "responded_at")
    rows = rows.values_list(*columns, "business_seconds", "policy__first_response_minutes", "outcome")
    for started_at, responded_at, business, target, outcome in rows.iterator(chunk_size=10_000):
        yield whatif.FirstResponse(
            arrived_at=started_at,
            replied_at=responded_at,
            business_seconds=business,
            target_seconds=target * 60 if target else None,
            breached=outcome == Outcome.BREACHED,
        )


@dataclass(frozen=True)
class Figures:
    replay: whatif.Replay
    median_now: float | None
    median_then: float | None
    p90_now: float | None
    p90_then: float | None


def run(
    scope: Scope,
    *,
    calendar: BusinessCalendar,
    hours: dict[str, list[list[str]]],
    today: date,
    progress: Callable[[int], None] | None = None,
) -> Figures:
    result = whatif.replay(
        first_responses(scope, calendar),
        today=to_clock(calendar, today=today),
        other=draft_clock(calendar, hours, today=today),
        progress=progress,
    )
    now, then = sorted(result.waits_now), sorted(result.waits_then)
    return Figures(
        replay=result,
        median_now=percentile_cont(now, 0.5),
        median_then=percentile_cont(then, 0.5),
        p90_now=percentile_cont(now, 0.9),
        p90_then=percentile_cont(then, 0.9),
    )
