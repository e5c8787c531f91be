"""Replaying real arrivals under other opening hours (the what-if calendars). Pure: no Django, so
its promises are tested with hypothesis on their own.

The model, as the page states it: a reply keeps the business-time delay it had under today's
hours, and hours added are staffed like the hours next to them, so a reply comes once as much open
time has passed under the other hours as it took under today's (and a reply sent after hours keeps
its lag after the last open minute). A clock starts at the first open
instant at or after the arrival. Breaches are counted two ways: with the delays kept (the business
clock then measures what it did today, so the count is today's, breaches_now), and with the same reply instants
counted in the other hours (more open time counted, more breaches), the honest upper bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sla.clock import BusinessCalendar, add_business_time, business_time_between, next_openings


@dataclass(frozen=True)
class Arrival:
    arrived_at: datetime
    replied_at: datetime  # the first response as it happened
    target: timedelta  # the first-response target in business time


@dataclass(frozen=True)
class Replayed:
    started_at: datetime  # when the clock starts under the replayed hours
    replied_at: datetime  # when the reply would come (the delay kept)
    same_reply_business: timedelta  # business time of the real reply instant, counted in these hours

    def real_wait(self, arrival: Arrival) -> timedelta:
        return self.replied_at - arrival.arrived_at


@dataclass(frozen=True)
class Figures:
    arrivals: int
    started_sooner: int  # clocks that start earlier than under today's hours
    median_now: float | None  # real wait, seconds
    p90_now: float | None
    median_then: float | None
    p90_then: float | None
    breaches_now: int  # with the delays kept this is also the replayed count: same business time
    breaches_same_replies: int


def clock_start(at: datetime, calendar: BusinessCalendar) -> datetime:
    return next_openings(at, calendar, 1)[0][0]


def replay_one(arrival: Arrival, *, today: BusinessCalendar, other: BusinessCalendar) -> Replayed:
    delay = business_time_between(arrival.arrived_at, arrival.replied_at, today)
    # A reply sent after hours came this long after its business delay was spent: it keeps that lag.
    lag = arrival.replied_at - add_business_time(arrival.arrived_at, delay, today)
    return Replayed(
        started_at=clock_start(arrival.arrived_at, other),
        replied_at=add_business_time(arrival.arrived_at, delay, other) + lag,
        same_reply_business=business_time_between(arrival.arrived_at, arrival.replied_at, other),
    )


def replay(
    arrivals: Iterable[Arrival],
    *,
    today: BusinessCalendar,
    other: BusinessCalendar,
    progress: Callable[[int], None] | None = None,
    every: int = 1000,
) -> Figures:
    """Today's figures beside the replayed ones; progress(done) is called every `every` arrivals."""
    now_waits: list[float] = []
    then_waits: list[float] = []
    sooner = breaches_now = breaches_same = 0
    for done, arrival in enumerate(arrivals, start=1):
        replayed = replay_one(arrival, today=today, other=other)
        delay = business_time_between(arrival.arrived_at, arrival.replied_at, today)
        sooner += replayed.started_at < clock_start(arrival.arrived_at, today)
        breaches_now += delay > arrival.target
        breaches_same += replayed.same_reply_business > arrival.target
        now_waits.append((arrival.replied_at - arrival.arrived_at).total_seconds())
        then_waits.append(replayed.real_wait(arrival).total_seconds())
        if progress is not None and done % every == 0:
            progress(done)
    now_waits.sort()
    then_waits.sort()
    return Figures(
        arrivals=len(now_waits),
        started_sooner=sooner,
        median_now=percentile(now_waits, 0.5),
        p90_now=percentile(now_waits, 0.9),
        median_then=percentile(then_waits, 0.5),
        p90_then=percentile(then_waits, 0.9),
        breaches_now=breaches_now,
        breaches_same_replies=breaches_same,
    )


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """Linear between the nearest ranks, as PostgreSQL's percentile_cont (the reports' figures)."""
    if not ordered:
        return None
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
