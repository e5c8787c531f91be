"""From calendar rows to the pure clock's BusinessCalendar, with public holidays expanded."""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache

import holidays as holidays_lib

from sla import clock
from sla.models import BusinessCalendar

HOLIDAY_YEARS_BACK, HOLIDAY_YEARS_AHEAD = 2, 3


def public_holidays(*, country: str, subdivision: str = "", years: range) -> dict[date, str]:
    if not country:
        return {}
    found = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=years)
    return dict(found.items())


_built: dict[tuple[int, object, int], clock.BusinessCalendar] = {}


def to_clock(calendar: BusinessCalendar, *, today: date) -> clock.BusinessCalendar:
    # Keyed on updated_at: every edit (custom closed dates included, saved by the same form)
    # touches the calendar row, so a cached expansion is never stale and costs no query.
    key = (calendar.pk, calendar.updated_at, today.year)
    built = _built.get(key)
    if built is None:
        custom = tuple(calendar.custom_holidays.values_list("date", flat=True))
        built = _to_clock(
            calendar.pk,
            calendar.updated_at,
            calendar.timezone,
            calendar.always_open,
            _freeze_hours(calendar),
            calendar.holiday_country,
            calendar.holiday_subdivision,
            custom,
            today.year,
        )
        if len(_built) > 512:
            _built.clear()
        _built[key] = built
    return built


def _freeze_hours(calendar: BusinessCalendar) -> tuple[tuple[int, tuple[tuple[str, str], ...]], ...]:
    return tuple(sorted((int(day), tuple(tuple(s) for s in spans)) for day, spans in (calendar.weekly_hours or {}).items()))


@lru_cache(maxsize=256)
def _to_clock(
    pk: int,
    updated_at: object,
    timezone: str,
    always_open: bool,
    hours: tuple[tuple[int, tuple[tuple[str, str], ...]], ...],
    country: str,
    subdivision: str,
    custom: tuple[date, ...],
    year: int,
) -> clock.BusinessCalendar:
    # Keyed on updated_at (and the custom dates), so an edited calendar is rebuilt, not reused.
    if always_open:
        return clock.BusinessCalendar.always_open(timezone)
    weekly = {day: [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in spans] for day, spans in hours}
    years = range(year - HOLIDAY_YEARS_BACK, year + HOLIDAY_YEARS_AHEAD + 1)
    closed = set(public_holidays(country=country, subdivision=subdivision, years=years)) | set(custom)
    return clock.BusinessCalendar(timezone, weekly, frozenset(closed))


def draft_clock(base: BusinessCalendar, weekly_hours: dict[str, list[list[str]]], *, today: date) -> clock.BusinessCalendar:
    """Other opening hours in the base calendar's zone with its holidays: what a what-if replays under."""
    custom = tuple(base.custom_holidays.values_list("date", flat=True)) if base.pk else ()
    hours = tuple(sorted((int(day), tuple(tuple(s) for s in spans)) for day, spans in weekly_hours.items()))
    # A 24/7 base has no week to change: its presets leave it 24/7.
    always = base.always_open and not hours
    return _to_clock(-1, None, base.timezone, always, hours, base.holiday_country, base.holiday_subdivision, custom, today.year)
