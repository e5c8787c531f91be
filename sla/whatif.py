"""Replaying real arrivals under other opening hours: pure, no Django (the what-if report's core).

The model, stated on the page too: a first reply keeps the business-time delay it had under today's
hours, counted from when the other hours would have started the clock ("hours added are staffed
like the hours next to them"). That gives the real wait the customer would have had. The other
reading is also given: replies at the instants they really came, measured by the other hours,
which says how many breaches the targets would count if the promise changed and the staffing did
not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sla.clock import BusinessCalendar, add_business_time, business_time_between, next_openings


@dataclass(frozen=True)
class FirstResponse:
    """One conversation's first response as it happened under today's hours."""

    arrived_at: datetime
    replied_at: datetime | None  # None: not answered (yet)
    business_seconds: int | None  # the business-time delay today's hours measured
    target_seconds: int | None  # the policy's first-response target, if it has one
    breached: bool  # as recorded today


@dataclass
class Replay:
    conversations: int = 0
    started_sooner: int = 0
    started_later: int = 0
    waits_now: list[int] = field(default_factory=list)  # real seconds, answered ones
    waits_then: list[int] = field(default_factory=list)
    breaches_now: int = 0
    breaches_same_replies: int = 0


def clock_start(instant: datetime, calendar: BusinessCalendar) -> datetime:
    """When the hours start counting for a message that arrives at ``instant``."""
    opening = next_openings(instant, calendar, 1)
    return max(instant, opening[0][0]) if opening else instant


def replay(
    rows: Iterable[FirstResponse],
    *,
    today: BusinessCalendar,
    other: BusinessCalendar,
    progress: Callable[[int], None] | None = None,
    every: int = 1000,
) -> Replay:
    result = Replay()
    for n, row in enumerate(rows, 1):
        result.conversations += 1
        start_now, start_then = clock_start(row.arrived_at, today), clock_start(row.arrived_at, other)
        result.started_sooner += start_then < start_now
        result.started_later += start_then > start_now
        result.breaches_now += row.breached
        if row.replied_at is None or row.business_seconds is None:
            result.breaches_same_replies += row.breached  # still waiting: late either way
        else:
            result.waits_now.append(int((row.replied_at - row.arrived_at).total_seconds()))
            replied_then = add_business_time(start_then, timedelta(seconds=row.business_seconds), other)
            result.waits_then.append(int((replied_then - row.arrived_at).total_seconds()))
            if row.target_seconds is not None:
                measured = business_time_between(start_then, row.replied_at, other)
                result.breaches_same_replies += measured > timedelta(seconds=row.target_seconds)
        if progress is not None and n % every == 0:
            progress(n)
    return result
