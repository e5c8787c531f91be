"""Replaying real arrivals under other opening hours: pure, no Django (the what-if report's core).

The model, stated on the page too: a first reply keeps the business-time delay it had under today's
hours, counted from when the other hours would have started the clock ("hours added are staffed
like the hours next to them"). That gives the real wait the customer would have had. The other
reading is also given: replies at the instants they really came, measured by the other hours,
which says how many breaches the targets would count if the promise changed and the staffing did
not.

Speed: a quarter of a million arrivals would each walk both calendars (sla.clock) three times.
Instead each calendar's open spans over the period are read once, as a Timeline, with a running
total of open time, so a clock start, a sum and a difference of business time are each a
bisection. It gives what sla.clock gives to the microsecond (tests/sla/test_whatif.py checks).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sla.clock import BusinessCalendar, next_openings


@dataclass(frozen=True)
class FirstResponse:
    """One conversation's first response as it happened under today's hours.

    Its instants are aware datetimes, or microseconds since the Unix epoch (UTC), which is what the
    database hands over fastest and what the replay counts in.
    """

    arrived_at: datetime | int
    replied_at: datetime | int | None  # None: not answered (yet)
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


_US = 1_000_000  # microseconds a second, as sla.clock counts
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_BATCH = 256  # openings read from sla.clock at a time while a timeline grows
_MARGIN = 14 * 86_400 * _US  # how far past the instant asked about a timeline first reaches


def micros(value: datetime | int) -> int:
    """An instant as microseconds since the Unix epoch (UTC); one already counted stays as it is."""
    return value if isinstance(value, int) else (value - _EPOCH) // _ONE_US


def _at(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


class Timeline:
    """A calendar's merged open spans over a stretch [lo, hi) of time, in microseconds, with the open
    time before each span. The stretch grows, either way, to cover whatever instant is asked about."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.lo = self.hi = 0
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []  # open time in [lo, starts[i])
        self.through: list[int] = []  # open time in [lo, ends[i])

    def _cover(self, lo: int, hi: int) -> None:
        if self.starts and self.lo <= lo and hi <= self.hi:
            return
        if self.starts:  # grow by at least what is covered already, so rebuilds stay few
            width = self.hi - self.lo
            lo = min(lo, self.lo - width) if lo < self.lo else self.lo
            hi = max(hi, self.hi + width) if hi > self.hi else self.hi
        else:
            lo, hi = lo - _MARGIN, hi + _MARGIN
        starts: list[int] = []
        ends: list[int] = []
        at = lo
        while not ends or ends[-1] < hi:
            for start, end in next_openings(_at(at), self.calendar, _BATCH):
                a, b = micros(start), micros(end)
                if ends and a <= ends[-1]:  # a 24/7 span reported in pieces
                    ends[-1] = max(ends[-1], b)
                else:
                    starts.append(a)
                    ends.append(b)
            at = ends[-1]
        before, through, total = [], [], 0
        for a, b in zip(starts, ends, strict=True):
            before.append(total)
            total += b - a
            through.append(total)
        self.lo, self.hi, self.starts, self.ends, self.before, self.through = lo, hi, starts, ends, before, through

    def start(self, instant: int) -> int:
        """When the hours start counting for a message arriving at instant: as clock_start."""
        self._cover(instant, instant + 1)
        index = bisect.bisect_right(self.ends, instant)  # the first span still open after instant
        return max(instant, self.starts[index])

    def _open_before(self, instant: int) -> int:
        index = bisect.bisect_right(self.starts, instant) - 1
        if index < 0:
            return 0
        return self.before[index] + min(instant, self.ends[index]) - self.starts[index]

    def between(self, start: int, end: int) -> int:
        """Open time in [start, end): as sla.clock.business_time_between."""
        if end <= start:
            return 0
        self._cover(start, end)
        return self._open_before(end) - self._open_before(start)

    def add(self, start: int, duration: int) -> int:
        """The earliest instant by which duration of open time has passed since start: as
        sla.clock.add_business_time."""
        if duration <= 0:
            return start
        self._cover(start, start + duration)
        while True:
            target = self._open_before(start) + duration
            index = bisect.bisect_left(self.through, target)
            if index < len(self.starts):
                return self.starts[index] + target - self.before[index]
            self._cover(self.lo, self.hi + 1)  # not open long enough yet: reach further


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
    now_line, then_line = Timeline(today), Timeline(other)
    waits_now, waits_then = result.waits_now, result.waits_then
    n = 0
    for n, row in enumerate(rows, 1):
        arrived = micros(row.arrived_at)
        start_now, start_then = now_line.start(arrived), then_line.start(arrived)
        result.started_sooner += start_then < start_now
        result.started_later += start_then > start_now
        result.breaches_now += row.breached
        if row.replied_at is None or row.business_seconds is None:
            result.breaches_same_replies += row.breached  # still waiting: late either way
        else:
            replied = micros(row.replied_at)
            waits_now.append(int((replied - arrived) / _US))  # as timedelta.total_seconds() truncated
            waits_then.append(int((then_line.add(start_then, row.business_seconds * _US) - arrived) / _US))
            if row.target_seconds is not None:
                result.breaches_same_replies += then_line.between(start_then, replied) > row.target_seconds * _US
        if progress is not None and n % every == 0:
            progress(n)
    result.conversations = n
    return result
