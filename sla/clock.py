"""Pure business-time arithmetic: opening hours in a local zone, holidays, DST.

Everything here works on aware datetimes and returns UTC. Opening hours are local
wall-clock times in the calendar's zone, but time is counted as real elapsed time, so
a DST change inside an open interval makes it an hour longer or shorter.

It stays one module (over 400 lines) because the interval walk, the DST handling and
the holiday rules share one set of invariants that the hypothesis tests check together.

Internally instants are integers (microseconds since the Unix epoch, UTC): summing and
comparing ints is cheaper than datetime arithmetic, and exact.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "BusinessCalendar",
    "add_business_time",
    "business_time_between",
    "next_openings",
]

Interval = tuple[time, time]

_US = timedelta(microseconds=1)
_SECOND_US = 1_000_000
_DAY_US = 86_400 * _SECOND_US
_WEEK_US = 7 * _DAY_US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)  # noqa: DTZ001 - origin for local wall times
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# Give up after this many consecutive days without any open time: a calendar whose
# holidays swallow ~3 years is a configuration error, and looping further would only
# hide it (or never end).
MAX_CLOSED_DAYS = 1100

# A span opening on local day X starts at a wall time >= X 00:00, i.e. at UTC
# >= X 00:00 minus the zone's offset. No offset in tzdata exceeds +16h, so subtracting a
# whole day gives a safe lower bound without knowing the zone's transitions.
_MAX_OFFSET_US = _DAY_US

# Open spans cached per local day. Shared by equal calendars (a calendar is typically
# rebuilt from its database row for every evaluation); cleared when it grows past this,
# which is ~11 years of days and keeps memory bounded in long-running workers.
_MAX_CACHED_DAYS = 4_000


def _time_us(value: time) -> int:
    return (value.hour * 3600 + value.minute * 60 + value.second) * _SECOND_US + value.microsecond


def _to_us(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _from_us(value: int) -> datetime:
    seconds, micros = divmod(value, _SECOND_US)
    return _EPOCH + timedelta(0, seconds, micros)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


class _FrozenWeek(Mapping[int, tuple[Interval, ...]]):
    """Read-only weekday -> intervals mapping, hashable so the calendar can be a cache key."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: dict[int, tuple[Interval, ...]]) -> None:
        self._data = dict(sorted(data.items()))
        self._hash = hash(tuple(self._data.items()))

    def __getitem__(self, key: int) -> tuple[Interval, ...]:
        return self._data[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            # Compare as normalized, so {0: [(a, b)]} equals its frozen form.
            return self._data == {
                day: tuple(tuple(interval) for interval in intervals) for day, intervals in other.items() if intervals
            }
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


def _normalize_week(
    weekly_hours: Mapping[int, Sequence[tuple[time, time]]],
) -> _FrozenWeek:
    days: dict[int, tuple[Interval, ...]] = {}
    for weekday, intervals in weekly_hours.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be an int 0 (Monday) .. 6 (Sunday), got {weekday!r}")
        normalized: list[Interval] = []
        for interval in intervals:
            start, end = interval
            for value in (start, end):
                if not isinstance(value, time) or value.tzinfo is not None:
                    raise ValueError(f"opening hours must be naive datetime.time values, got {value!r}")
            # fold is meaningless on a weekly template; dropping it keeps equal hours equal.
            normalized.append((start.replace(fold=0), end.replace(fold=0)))
        if normalized:
            days[weekday] = tuple(normalized)
    return _FrozenWeek(days)


def _week_offsets(
    week: Mapping[int, tuple[Interval, ...]],
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Per weekday, intervals as (start, end) microseconds from that day's local midnight.

    An end not after its start runs into the next day, as the interface says: time(0) as
    end is midnight, and an end equal to its start is a whole day (00:00-00:00 is open all
    day; 08:00-08:00 is 24 hours from 08:00).
    """
    offsets: list[tuple[tuple[int, int], ...]] = []
    for weekday in range(7):
        day: list[tuple[int, int]] = []
        for start, end in week.get(weekday, ()):
            start_us, end_us = _time_us(start), _time_us(end)
            if end_us <= start_us:
                end_us += _DAY_US
            day.append((start_us, end_us))
        offsets.append(tuple(sorted(day)))
    return tuple(offsets)


def _weekly_open_us(offsets: tuple[tuple[tuple[int, int], ...], ...]) -> int:
    """Open time of any 7-day window of the wall-clock pattern (no holidays, no DST)."""
    pieces: list[tuple[int, int]] = []
    for weekday, day in enumerate(offsets):
        for start, end in day:
            start += weekday * _DAY_US
            end += weekday * _DAY_US
            if end > _WEEK_US:  # Sunday overnight wraps into Monday
                pieces.append((0, end - _WEEK_US))
                end = _WEEK_US
            pieces.append((start, end))
    total = 0
    current_end = -1
    for start, end in sorted(pieces):
        if start > current_end:
            total += end - start
            current_end = end
        elif end > current_end:
            total += end - current_end
            current_end = end
    return total


@functools.lru_cache(maxsize=64)
def _shared_day_cache(calendar: BusinessCalendar) -> dict[int, tuple[tuple[int, int], ...]]:
    return {}


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in a local zone, minus holidays.

    ``weekly_hours`` maps weekday (0 = Monday) to ``(start, end)`` local times. An end
    not after its start runs past midnight into the next day (22:00-06:00;
    ``time(0)`` as end means midnight, so 00:00-00:00 is the whole day). Holidays are
    whole local days on which that day's intervals do not open; an overnight interval
    that opened the evening before still runs to its end.
    """

    timezone: str
    weekly_hours: Mapping[int, Sequence[tuple[time, time]]]
    holidays: Collection[date] = ()

    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _offsets: tuple[tuple[tuple[int, int], ...], ...] = field(init=False, repr=False, compare=False)
    _week_open_us: int = field(init=False, repr=False, compare=False)
    _always: bool = field(init=False, repr=False, compare=False)
    _holiday_ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _holiday_set: frozenset[int] = field(init=False, repr=False, compare=False)
    _days: dict[int, tuple[tuple[int, int], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
            raise ValueError(f"unknown timezone {self.timezone!r}") from error
        week = _normalize_week(self.weekly_hours)
        holidays: set[date] = set()
        for holiday in self.holidays:
            # datetime is a date subclass; accepting one would silently drop its time.
            if not isinstance(holiday, date) or isinstance(holiday, datetime):
                raise ValueError(f"holidays must be datetime.date values, got {holiday!r}")
            holidays.add(holiday)
        offsets = _week_offsets(week)
        week_open = _weekly_open_us(offsets)
        if week_open == 0:
            raise ValueError("business calendar has no open time: add at least one opening interval")
        ordinals = tuple(sorted(day.toordinal() for day in holidays))

        set_ = object.__setattr__  # frozen: normalize once, here
        set_(self, "weekly_hours", week)
        set_(self, "holidays", frozenset(holidays))
        set_(self, "_zone", zone)
        set_(self, "_offsets", offsets)
        set_(self, "_week_open_us", week_open)
        # Every wall-clock instant is open, so every real instant is too, whatever DST does.
        set_(self, "_always", week_open == _WEEK_US and not holidays)
        set_(self, "_holiday_ordinals", ordinals)
        set_(self, "_holiday_set", frozenset(ordinals))
        set_(self, "_days", _shared_day_cache(self))

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessCalendar:
        whole_day = ((time(0), time(0)),)
        return cls(timezone=timezone, weekly_hours={day: whole_day for day in range(7)})

    def _local_us(self, value: datetime) -> int:
        """UTC instant of a naive local wall time.

        fold=0 throughout: an ambiguous time (autumn, clocks repeat an hour) is its
        first occurrence; a nonexistent time (spring gap) takes the offset from before
        the change, i.e. it lands as far past the gap as it was into it (02:30 in a
        02:00->03:00 jump opens at 03:30). Both follow PEP 495 and need no special case.
        """
        # ZoneInfo reads the naive fields (fold included) and always has an offset.
        offset = cast("timedelta", self._zone.utcoffset(value))
        return (value - _EPOCH_NAIVE - offset) // _US

    def _day_spans(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        """Merged UTC spans of the intervals that open on local day ``ordinal``."""
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        spans: tuple[tuple[int, int], ...] = ()
        if ordinal not in self._holiday_set:
            midnight = datetime.combine(date.fromordinal(ordinal), time(0))
            raw: list[tuple[int, int]] = []
            for start_us, end_us in self._offsets[midnight.weekday()]:
                start = self._local_us(midnight + timedelta(microseconds=start_us))
                end = self._local_us(midnight + timedelta(microseconds=end_us))
                # A start in a spring gap can normalize past an end just after it.
                if end > start:
                    raw.append((start, end))
            spans = tuple(_merge(sorted(raw)))
        if len(self._days) >= _MAX_CACHED_DAYS:
            self._days.clear()
        self._days[ordinal] = spans
        return spans

    # Whole seconds are enough here: zone offsets are whole seconds, so flooring never
    # crosses a local midnight or an offset change.
    def _local_ordinal(self, instant: int) -> int:
        return datetime.fromtimestamp(instant // _SECOND_US, self._zone).toordinal()

    def _offset_at(self, instant: int) -> timedelta | None:
        return datetime.fromtimestamp(instant // _SECOND_US, self._zone).utcoffset()

    def _regular_weeks(self, instant: int, limit: int) -> int:
        """How many whole weeks from ``instant`` (at most ``limit``) hold exactly the
        nominal weekly open time: no holiday touches them and the UTC offset stays put.

        The offset is sampled once a week from two days before: enough while no zone
        changes offset twice within a week, which tzdata has not done in modern times.
        """
        if limit <= 0:
            return 0
        first_day = self._local_ordinal(instant) - 2
        index = bisect.bisect_left(self._holiday_ordinals, first_day)
        if index < len(self._holiday_ordinals):
            # Days first_day .. first_day + 7k + 3 must all be ordinary.
            limit = min(limit, (self._holiday_ordinals[index] - first_day - 4) // 7)
        if limit <= 0:
            return 0
        probe = instant - 2 * _DAY_US
        offset = self._offset_at(probe)
        # Accepting k weeks needs equal offsets up to probe + (k + 1) weeks, i.e. from two
        # days before the window to days past it: a change just before the window still
        # moves where repeated wall times inside it land.
        weeks = 0
        while weeks < limit and self._offset_at(probe + (weeks + 2) * _WEEK_US) == offset:
            weeks += 1
        return weeks

    def _open_pieces(self, instant: int, stop: int | None = None) -> Iterator[tuple[int, int]]:
        """Disjoint ascending open pieces [a, b) with instant <= a < b.

        Consecutive pieces may touch (callers that need whole spans merge them). Without
        ``stop`` the stream is endless, so it raises once MAX_CLOSED_DAYS pass closed.
        """
        ordinal = self._local_ordinal(instant) - 2  # overnight spans reach at most 2 days on
        last_open = ordinal
        pending: list[tuple[int, int]] = []
        while True:
            spans = self._day_spans(ordinal)
            if spans:
                pending.extend(spans)
                pending.sort()
                last_open = ordinal
            ordinal += 1
            # Nothing opening on day `ordinal` or later starts before this.
            bound = (ordinal - _EPOCH_ORDINAL) * _DAY_US - _MAX_OFFSET_US
            keep: list[tuple[int, int]] = []
            current_start = current_end = -1
            has_current = False
            for index, (start, end) in enumerate(pending):
                if start >= bound:
                    keep = pending[index:]
                    break
                if has_current and start <= current_end:
                    if end > current_end:
                        current_end = end
                    continue
                if has_current and current_end > instant:
                    yield max(current_start, instant), current_end
                current_start, current_end, has_current = start, end, True
            if has_current:
                if current_end > bound:
                    # Later spans may still extend it; what lies before bound is final.
                    keep.insert(0, (bound, current_end))
                    current_end = bound
                if current_end > instant:
                    yield max(current_start, instant), current_end
            pending = keep
            if stop is not None:
                if bound >= stop:
                    return
            elif ordinal - last_open > MAX_CLOSED_DAYS:
                raise ValueError(
                    f"business calendar has no open time within {MAX_CLOSED_DAYS} days "
                    f"after {_from_us(instant).isoformat()}; check its holidays"
                )


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def add_business_time(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> datetime:
    """Earliest instant by which ``duration`` of open time has passed since ``start``."""
    _require_aware(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration!r}")
    if not duration or calendar._always:
        return start.astimezone(UTC) + duration
    instant = _to_us(start)
    remaining = duration // _US
    week_open = calendar._week_open_us
    while True:
        if remaining > week_open:
            # Keep at least a sliver for the walk, so the answer lands inside an open span.
            weeks = calendar._regular_weeks(instant, (remaining - 1) // week_open)
            instant += weeks * _WEEK_US
            remaining -= weeks * week_open
        # Whatever stopped the skip (a holiday, an offset change) is within about a week:
        # walk past it, then try skipping again.
        resume = instant + _WEEK_US
        for piece_start, piece_end in calendar._open_pieces(instant):
            length = piece_end - piece_start
            if remaining <= length:
                return _from_us(piece_start + remaining)
            remaining -= length
            if piece_end >= resume and remaining > week_open:
                instant = piece_end
                break


def business_time_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> timedelta:
    """Open time in [start, end); zero when ``end`` is not after ``start``."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return timedelta(0)
    if calendar._always:
        return end - start
    instant, stop = _to_us(start), _to_us(end)
    total = 0
    while instant < stop:
        weeks = calendar._regular_weeks(instant, (stop - instant) // _WEEK_US)
        total += weeks * calendar._week_open_us
        instant += weeks * _WEEK_US
        # As in add_business_time: walk about a week past whatever stopped the skip.
        walk_to = stop if stop - instant < 2 * _WEEK_US else instant + _WEEK_US
        for piece_start, piece_end in calendar._open_pieces(instant, stop=walk_to):
            if piece_start >= walk_to:
                break
            total += min(piece_end, walk_to) - piece_start
        instant = walk_to
    return timedelta(microseconds=total)


def next_openings(start: datetime, calendar: BusinessCalendar, count: int) -> list[tuple[datetime, datetime]]:
    """The next ``count`` open intervals (merged, UTC) at or after ``start``.

    An interval in progress at ``start`` is included, clipped to ``start``. A span
    still open MAX_CLOSED_DAYS after it began (a 24/7 calendar) is reported up to
    there only, so callers get a finite, renderable end.
    """
    _require_aware(start, "start")
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    instant = _to_us(start)
    horizon = MAX_CLOSED_DAYS * _DAY_US
    if count == 0:
        return []
    if calendar._always:
        return [(_from_us(instant), _from_us(instant + horizon))]
    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for piece_start, piece_end in calendar._open_pieces(instant):
        if current is not None and piece_start == current[1]:
            current = (current[0], piece_end)
            if piece_end - current[0] >= horizon:
                spans.append((current[0], current[0] + horizon))
                return _as_datetimes(spans)
            continue
        if current is not None:
            spans.append(current)
            if len(spans) == count:
                return _as_datetimes(spans)
        current = (piece_start, piece_end)
    raise AssertionError("unreachable: _open_pieces without stop never ends")


def _as_datetimes(spans: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    return [(_from_us(start), _from_us(end)) for start, end in spans]
