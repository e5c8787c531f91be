"""The reporting period: which local days a supervisor asked for, as an aware [start, end).

Pure: no Django, so the arithmetic is tested on its own. Days are the user's days: "7 days" is
today and the six before it, each from local midnight, so a day that changes its UTC offset (DST)
is 23 or 25 hours long and the period still ends at the next local midnight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHOICES = (("today", "Today"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("custom", "Custom"))
DEFAULT = "7"
# A custom range longer than this is cut to it: a year is what the reports promise to answer quickly.
MAX_DAYS = 366
# Up to this many days the series is drawn hour by hour, beyond it day by day.
HOURLY_UP_TO_DAYS = 2


@dataclass(frozen=True)
class Period:
    key: str  # one of CHOICES
    first_day: date
    last_day: date  # inclusive
    zone: ZoneInfo
    note: str = ""  # why the range asked for was changed, shown beside the form

    @property
    def start(self) -> datetime:
        # In UTC: subtracting two datetimes of one zone in Python ignores a DST change between them.
        return local_midnight(self.first_day, self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last_day + timedelta(days=1), self.zone).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def hourly(self) -> bool:
        return self.days <= HOURLY_UP_TO_DAYS

    @property
    def step(self) -> str:
        """The series' bucket, as date_trunc names it."""
        return "hour" if self.hourly else "day"

    @property
    def label(self) -> str:
        if self.key == "today":
            return f"Today, {self.first_day:%-d %b %Y}"
        if self.first_day == self.last_day:
            return f"{self.first_day:%-d %b %Y}"
        return f"{self.first_day:%-d %b %Y} to {self.last_day:%-d %b %Y}"

    def buckets(self) -> list[datetime]:
        """Every bucket's local start, so a quiet hour or day is drawn as zero rather than skipped."""
        if not self.hourly:
            return [local_midnight(self.first_day + timedelta(days=n), self.zone) for n in range(self.days)]
        out, at, end = [], self.start, self.end
        while at < end:
            out.append(at.astimezone(self.zone))
            at = at + timedelta(hours=1)  # in UTC, so a DST day has 23 or 25 hours
        return out


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # A zone that skips midnight that day (a DST change at 00:00) lands on the first instant after it.
    return datetime.combine(day, time.min, tzinfo=zone)


def parse_period(params: Mapping[str, str], *, zone: ZoneInfo, now: datetime) -> Period:
    """period=today|7|30|90|custom, with from=YYYY-MM-DD and to=YYYY-MM-DD for custom; anything
    unreadable falls back to the default and says so rather than failing the page."""
    today = now.astimezone(zone).date()
    key = params.get("period") or DEFAULT
    if key == "today":
        return Period("today", today, today, zone)
    if key in ("7", "30", "90"):
        return Period(key, today - timedelta(days=int(key) - 1), today, zone)
    if key != "custom":
        return Period(DEFAULT, today - timedelta(days=int(DEFAULT) - 1), today, zone, note="Unknown period: 7 days shown.")
    first, last = _date(params.get("from", "")), _date(params.get("to", ""))
    if first is None and last is None:
        return Period(DEFAULT, today - timedelta(days=int(DEFAULT) - 1), today, zone, note="Pick the dates: 7 days shown.")
    first, last = first or last, last or first
    note = ""
    if first > last:
        first, last, note = last, first, "The dates were the wrong way round: swapped."
    if (last - first).days + 1 > MAX_DAYS:
        first, note = last - timedelta(days=MAX_DAYS - 1), f"At most {MAX_DAYS} days: the range ends on the day asked for."
    return Period("custom", first, last, zone, note=note)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None
