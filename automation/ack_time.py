"""When a person will answer a customer who writes while we are closed: pure, no Django.

From the calendar (opening hours, holidays, zone) and the first-response target: the next
opening, and the instant the SLA says a person answers by (the target counted in open time from
the message). The text says both in the calendar's zone, naming the day when it is not today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sla.clock import BusinessCalendar, add_business_time, next_openings

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip


@dataclass(frozen=True)
class AnswerTimes:
    back_at: datetime  # the next opening, UTC
    answer_by: datetime  # the first-response due instant, UTC


def is_open(at: datetime, calendar: BusinessCalendar) -> bool:
    return next_openings(at, calendar, 1)[0][0] == at


def answer_times(*, received_at: datetime, calendar: BusinessCalendar, first_response: timedelta) -> AnswerTimes:
    """For a message received while closed; at an open instant back_at is the instant itself."""
    back_at = next_openings(received_at, calendar, 1)[0][0]
    return AnswerTimes(back_at=back_at, answer_by=add_business_time(received_at, first_response, calendar))


def _day(local: datetime, today: datetime) -> str:
    days = (local.date() - today.date()).days
    if days == 0:
        return ""
    if days == 1:
        return "tomorrow"
    if days < 7:
        return _DAYS[local.weekday()]
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}"


def _when(instant: datetime, today: datetime, *, on: bool) -> str:
    day = _day(instant, today)
    clock = instant.strftime("%H:%M")
    if not day:
        return f"at {clock}" if on else clock
    if day == "tomorrow":
        return f"tomorrow at {clock}"
    return f"on {day} at {clock}" if on else f"{day} {clock}"


def answer_text(times: AnswerTimes, *, received_at: datetime, timezone: str) -> str:
    """ "We're back at 08:00; you'll hear from us by 08:30." in the calendar's zone."""
    zone = ZoneInfo(timezone)
    today = received_at.astimezone(zone)
    back = times.back_at.astimezone(zone)
    by = times.answer_by.astimezone(zone)
    back_words = _when(back, today, on=True)
    # The same day as the opening needs no day: "back tomorrow at 08:00; ... by 08:30".
    by_words = by.strftime("%H:%M") if by.date() == back.date() else _when(by, today, on=False)
    return f"We're back {back_words}; you'll hear from us by {by_words}."
