"""Business-time clock: properties against a minute-stepping oracle, plus DST examples.

Pure Python: no Django, no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.clock import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    next_openings,
)

ZONES = ["Europe/Stockholm", "America/New_York", "UTC", "Asia/Kolkata", "Australia/Lord_Howe"]
# DST changes in 2026 for the zones above, plus an ordinary day for contrast.
ANCHORS = [
    date(2026, 3, 8),  # New York spring forward
    date(2026, 3, 29),  # Stockholm spring forward
    date(2026, 4, 5),  # Lord Howe falls back half an hour
    date(2026, 6, 15),
    date(2026, 10, 4),  # Lord Howe springs forward half an hour
    date(2026, 10, 25),  # Stockholm falls back
    date(2026, 11, 1),  # New York falls back
]
# Hypothesis takes naive bounds and attaches the zone itself.
EARLIEST = datetime(2000, 1, 1)  # noqa: DTZ001
LATEST = datetime(2040, 1, 1)  # noqa: DTZ001
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
WEEKDAYS_8_17 = {day: [(time(8), time(17))] for day in range(5)}

# database=None: no .hypothesis directory in the shared tree; failures print a reproducer.
fast = settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
oracle_settings = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo(zone))


# --- strategies -------------------------------------------------------------------------

# Wall times on a quarter-hour grid, avoiding 01:00-03:00 where the zones above have
# their gaps and repeated hours: there "is the wall clock inside [start, end)" and the
# calendar's documented fold=0 normalization legitimately differ (examples cover them).
# Opening hours are set in whole minutes; microsecond-long intervals only make hypothesis hunt
# for calendars open a microsecond a week, whose deadlines lie past the year 9999.
WALL_TIMES = st.builds(time, st.integers(0, 23), st.integers(0, 59))

ORACLE_TIMES = [time(h, m) for h in range(24) for m in (0, 15, 30, 45) if not 1 <= h < 3]


def _has_open_time(weekly: dict[int, list[tuple[time, time]]]) -> bool:
    return any(intervals for intervals in weekly.values())


def weekly_hours(
    times: st.SearchStrategy[time],
) -> st.SearchStrategy[dict[int, list[tuple[time, time]]]]:
    interval = st.tuples(times, times)
    return st.dictionaries(st.integers(0, 6), st.lists(interval, min_size=1, max_size=3), min_size=1, max_size=7).filter(
        _has_open_time
    )


@st.composite
def scenarios(draw: st.DrawFn, times: st.SearchStrategy[time]) -> tuple[BusinessCalendar, datetime]:
    """A random calendar near a DST change, and a start close to that change."""
    anchor = draw(st.sampled_from(ANCHORS))
    zone = draw(st.sampled_from(ZONES))
    holidays = draw(st.sets(st.integers(-5, 5), max_size=3))
    calendar = BusinessCalendar(
        timezone=zone,
        weekly_hours=draw(weekly_hours(times)),
        holidays=[anchor + timedelta(days=offset) for offset in holidays],
    )
    start = datetime.combine(anchor, time(0), UTC) + draw(st.timedeltas(timedelta(days=-3), timedelta(days=3)))
    # Any aware zone will do for the argument; results must not depend on it.
    return calendar, start.astimezone(ZoneInfo(draw(st.sampled_from(ZONES))))


@st.composite
def oracle_scenarios(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, int]:
    calendar, start = draw(scenarios(st.sampled_from(ORACLE_TIMES)))
    # UTC, because aware arithmetic in a local zone steps the wall clock, not real time.
    aligned = start.astimezone(UTC).replace(second=0, microsecond=0)
    return calendar, aligned, draw(st.integers(0, 3 * 24 * 60))


def open_duration_scale(calendar: BusinessCalendar, start: datetime) -> timedelta:
    """Open time in the week after start, to size durations to the calendar."""
    return max(business_time_between(start, start + timedelta(days=7), calendar), MINUTE)


# --- minute-stepping oracle --------------------------------------------------------------


def is_open_by_wall_clock(instant: datetime, calendar: BusinessCalendar) -> bool:
    """Read the wall clock in the calendar's zone and check the weekly table directly."""
    wall = instant.astimezone(ZoneInfo(calendar.timezone))
    today, clock = wall.date(), wall.time().replace(fold=0)
    yesterday = today - timedelta(days=1)
    # An end not after its start runs into the next day (equal: a whole 24 hours).
    opened_today = today not in calendar.holidays and any(
        (start < end and start <= clock < end) or (end <= start <= clock)
        for start, end in calendar.weekly_hours.get(today.weekday(), ())
    )
    # An overnight interval belongs to the day it opened, so yesterday's holiday closes it.
    still_open_from_yesterday = yesterday not in calendar.holidays and any(
        clock < end <= start for start, end in calendar.weekly_hours.get(yesterday.weekday(), ())
    )
    return opened_today or still_open_from_yesterday


def open_minutes(start: datetime, calendar: BusinessCalendar, minutes: int) -> list[bool]:
    return [is_open_by_wall_clock(start + index * MINUTE, calendar) for index in range(minutes)]


def end_of_nth_open_minute(start: datetime, flags: list[bool], n: int) -> datetime:
    open_indexes = [index for index, is_open in enumerate(flags) if is_open]
    return start + (open_indexes[n - 1] + 1) * MINUTE if n else start


# --- properties ----------------------------------------------------------------------------


@fast
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
    duration=st.timedeltas(timedelta(0), timedelta(days=2000)),
)
def test_always_open_calendar_adds_wall_clock_time(zone: str, start: datetime, duration: timedelta) -> None:
    # given
    calendar = BusinessCalendar.always_open(zone)

    # when
    deadline = add_business_time(start, duration, calendar)

    # then
    assert deadline == start + duration


@fast
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
    end=st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
)
def test_always_open_calendar_measures_wall_clock_time(zone: str, start: datetime, end: datetime) -> None:
    # given
    calendar = BusinessCalendar.always_open(zone)

    # when
    measured = business_time_between(start, end, calendar)

    # then
    assert measured == max(end - start, timedelta(0))


@fast
@given(scenario=scenarios(WALL_TIMES), data=st.data())
def test_measuring_up_to_the_deadline_gives_the_duration_back(
    scenario: tuple[BusinessCalendar, datetime], data: st.DataObject
) -> None:
    # given
    calendar, start = scenario
    duration = data.draw(st.timedeltas(timedelta(0), 6 * open_duration_scale(calendar, start)))

    # when
    deadline = add_business_time(start, duration, calendar)

    # then
    assert business_time_between(start, deadline, calendar) == duration


@fast
@given(scenario=scenarios(WALL_TIMES), data=st.data())
def test_longer_duration_never_gives_an_earlier_deadline(
    scenario: tuple[BusinessCalendar, datetime], data: st.DataObject
) -> None:
    # given
    calendar, start = scenario
    scale = 3 * open_duration_scale(calendar, start)
    shorter = data.draw(st.timedeltas(timedelta(0), scale))
    longer = shorter + data.draw(st.timedeltas(timedelta(0), scale))

    # when
    early, late = (add_business_time(start, d, calendar) for d in (shorter, longer))

    # then
    assert early <= late


@fast
@given(scenario=scenarios(WALL_TIMES), data=st.data())
def test_adding_in_two_steps_equals_adding_at_once(scenario: tuple[BusinessCalendar, datetime], data: st.DataObject) -> None:
    # given
    calendar, start = scenario
    scale = 3 * open_duration_scale(calendar, start)
    first = data.draw(st.timedeltas(timedelta(0), scale))
    second = data.draw(st.timedeltas(timedelta(0), scale))

    # when
    stepped = add_business_time(add_business_time(start, first, calendar), second, calendar)

    # then
    assert stepped == add_business_time(start, first + second, calendar)


@fast
@given(scenario=scenarios(WALL_TIMES), data=st.data())
def test_skipping_whole_weeks_agrees_with_walking_day_by_day(
    scenario: tuple[BusinessCalendar, datetime], data: st.DataObject
) -> None:
    # given
    calendar, start = scenario
    duration = data.draw(st.timedeltas(timedelta(0), 8 * open_duration_scale(calendar, start)))
    end = start + data.draw(st.timedeltas(timedelta(0), timedelta(days=60)))
    skipped = (
        add_business_time(start, duration, calendar),
        business_time_between(start, end, calendar),
    )

    # when
    with mock.patch.object(BusinessCalendar, "_regular_weeks", return_value=0):
        walked = (
            add_business_time(start, duration, calendar),
            business_time_between(start, end, calendar),
        )

    # then
    assert skipped == walked


@oracle_settings
@given(scenario=oracle_scenarios())
def test_measured_time_matches_minute_by_minute_wall_clock(
    scenario: tuple[BusinessCalendar, datetime, int],
) -> None:
    # given
    calendar, start, minutes = scenario
    expected = sum(open_minutes(start, calendar, minutes)) * MINUTE

    # when
    measured = business_time_between(start, start + minutes * MINUTE, calendar)

    # then
    assert measured == expected


@oracle_settings
@given(scenario=oracle_scenarios(), data=st.data())
def test_deadline_matches_minute_by_minute_wall_clock(
    scenario: tuple[BusinessCalendar, datetime, int], data: st.DataObject
) -> None:
    # given
    calendar, start, minutes = scenario
    flags = open_minutes(start, calendar, minutes)
    n = data.draw(st.integers(0, sum(flags)))

    # when
    deadline = add_business_time(start, n * MINUTE, calendar)

    # then
    assert deadline == end_of_nth_open_minute(start, flags, n)


@fast
@given(scenario=scenarios(WALL_TIMES), count=st.integers(1, 6))
def test_next_openings_are_separate_fully_open_spans(scenario: tuple[BusinessCalendar, datetime], count: int) -> None:
    # given
    calendar, start = scenario

    # when
    spans = next_openings(start, calendar, count)

    # then
    bounds = [instant for span in spans for instant in span]
    assert len(spans) == count
    assert start <= bounds[0]
    assert bounds == sorted(set(bounds))  # strictly increasing: no empty or touching spans
    assert all(business_time_between(a, b, calendar) == b - a for a, b in spans)
    assert all(
        business_time_between(gap_start, gap_end, calendar) == timedelta(0) for (_, gap_start), (gap_end, _) in pairwise(spans)
    )
    assert business_time_between(start, bounds[0], calendar) == timedelta(0)


# --- examples: DST ---------------------------------------------------------------------


def test_stockholm_office_hours_resume_after_spring_forward_at_new_offset() -> None:
    # given
    calendar = BusinessCalendar("Europe/Stockholm", WEEKDAYS_8_17)
    friday_afternoon = local("Europe/Stockholm", 2026, 3, 27, 16)  # CET, UTC+1

    # when
    deadline = add_business_time(friday_afternoon, 2 * HOUR, calendar)

    # then
    assert deadline == utc(2026, 3, 30, 7)  # Monday 09:00 CEST, UTC+2


def test_stockholm_office_hours_resume_after_fall_back_at_new_offset() -> None:
    # given
    calendar = BusinessCalendar("Europe/Stockholm", WEEKDAYS_8_17)
    friday_afternoon = local("Europe/Stockholm", 2026, 10, 23, 16)  # CEST, UTC+2

    # when
    deadline = add_business_time(friday_afternoon, 2 * HOUR, calendar)

    # then
    assert deadline == utc(2026, 10, 26, 8)  # Monday 09:00 CET, UTC+1


def test_stockholm_weekend_with_dst_change_adds_no_business_time() -> None:
    # given
    calendar = BusinessCalendar("Europe/Stockholm", WEEKDAYS_8_17)

    # when
    measured = business_time_between(
        local("Europe/Stockholm", 2026, 3, 27, 12),
        local("Europe/Stockholm", 2026, 3, 30, 12),
        calendar,
    )

    # then
    assert measured == 9 * HOUR


@pytest.mark.parametrize(
    ("day", "real_hours"),
    [(date(2026, 3, 29), 5), (date(2026, 10, 25), 7), (date(2026, 6, 14), 6)],
)
def test_stockholm_night_shift_counts_real_hours_across_dst_change(day: date, real_hours: int) -> None:
    # given
    calendar = BusinessCalendar("Europe/Stockholm", {6: [(time(0), time(6))]})
    midnight = datetime.combine(day, time(0), ZoneInfo("Europe/Stockholm"))

    # when
    measured = business_time_between(midnight, midnight + timedelta(days=1), calendar)

    # then
    assert measured == real_hours * HOUR


def test_new_york_office_hours_resume_after_spring_forward_at_new_offset() -> None:
    # given
    calendar = BusinessCalendar("America/New_York", {d: [(time(9), time(17))] for d in range(5)})
    friday_afternoon = local("America/New_York", 2026, 3, 6, 16)  # EST, UTC-5

    # when
    deadline = add_business_time(friday_afternoon, 2 * HOUR, calendar)

    # then
    assert deadline == utc(2026, 3, 9, 14)  # Monday 10:00 EDT, UTC-4


def test_new_york_office_hours_resume_after_fall_back_at_new_offset() -> None:
    # given
    calendar = BusinessCalendar("America/New_York", {d: [(time(9), time(17))] for d in range(5)})
    friday_afternoon = local("America/New_York", 2026, 10, 30, 16)  # EDT, UTC-4

    # when
    deadline = add_business_time(friday_afternoon, 2 * HOUR, calendar)

    # then
    assert deadline == utc(2026, 11, 2, 15)  # Monday 10:00 EST, UTC-5


@pytest.mark.parametrize(("day", "real_hours"), [(date(2026, 3, 8), 11), (date(2026, 11, 1), 13)])
def test_new_york_sunday_morning_counts_real_hours_across_dst_change(day: date, real_hours: int) -> None:
    # given
    calendar = BusinessCalendar("America/New_York", {6: [(time(0), time(12))]})
    start = datetime.combine(day, time(0), ZoneInfo("America/New_York"))

    # when
    measured = business_time_between(start, start + timedelta(days=1), calendar)

    # then
    assert measured == real_hours * HOUR


def test_opening_inside_the_spring_gap_starts_as_far_past_the_gap() -> None:
    # given: 02:30 does not exist on 2026-03-29 in Stockholm (02:00 jumps to 03:00)
    calendar = BusinessCalendar("Europe/Stockholm", {6: [(time(2, 30), time(4))]})

    # when
    spans = next_openings(utc(2026, 3, 28), calendar, 1)

    # then: fold=0 reads 02:30 with the old offset (+01:00), i.e. 03:30 CEST
    assert spans == [(utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2))]


def test_opening_at_a_repeated_time_uses_its_first_occurrence() -> None:
    # given: 02:00-03:00 happens twice on 2026-10-25 in Stockholm
    calendar = BusinessCalendar("Europe/Stockholm", {6: [(time(2, 30), time(3, 30))]})

    # when
    spans = next_openings(utc(2026, 10, 24), calendar, 1)

    # then: opens at 02:30 CEST (first pass), closes 03:30 CET: two real hours
    assert spans == [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30))]


def test_interval_swallowed_by_the_spring_gap_stays_closed() -> None:
    # given: 02:30 normalizes to 03:30 CEST, after the 03:15 close
    calendar = BusinessCalendar("Europe/Stockholm", {6: [(time(2, 30), time(3, 15))]})

    # when
    spans = next_openings(utc(2026, 3, 28), calendar, 1)

    # then: skips 2026-03-29 and opens the following Sunday
    assert spans == [(utc(2026, 4, 5, 0, 30), utc(2026, 4, 5, 1, 15))]


# --- examples: interval shapes and holidays -----------------------------------------------


def test_overnight_interval_runs_past_midnight() -> None:
    # given
    calendar = BusinessCalendar("UTC", {0: [(time(22), time(6))]})
    monday_late = utc(2026, 6, 1, 23, 30)

    # when
    deadline = add_business_time(monday_late, HOUR, calendar)

    # then
    assert deadline == utc(2026, 6, 2, 0, 30)


def test_overnight_interval_counts_on_both_sides_of_midnight() -> None:
    # given
    calendar = BusinessCalendar("UTC", {0: [(time(22), time(6))]})

    # when
    measured = business_time_between(utc(2026, 6, 1, 12), utc(2026, 6, 2, 12), calendar)

    # then
    assert measured == 8 * HOUR


def test_holiday_monday_keeps_sunday_night_shift_but_closes_its_own() -> None:
    # given
    night_shift = [(time(22), time(6))]
    calendar = BusinessCalendar("UTC", {6: night_shift, 0: night_shift}, holidays=[date(2026, 6, 1)])

    # when
    measured = business_time_between(utc(2026, 5, 31, 12), utc(2026, 6, 3), calendar)

    # then
    assert measured == 8 * HOUR


def test_holiday_monday_pushes_the_deadline_to_tuesday() -> None:
    # given
    calendar = BusinessCalendar("Europe/Stockholm", WEEKDAYS_8_17, holidays={date(2026, 6, 1)})

    # when
    deadline = add_business_time(local("Europe/Stockholm", 2026, 5, 29, 16), 2 * HOUR, calendar)

    # then
    assert deadline == utc(2026, 6, 2, 7)  # Tuesday 09:00 CEST


def test_midnight_as_end_closes_at_the_end_of_the_day() -> None:
    # given
    calendar = BusinessCalendar("UTC", {0: [(time(18), time(0))]})

    # when
    spans = next_openings(utc(2026, 6, 1), calendar, 1)

    # then
    assert spans == [(utc(2026, 6, 1, 18), utc(2026, 6, 2))]


def test_lunch_break_between_two_intervals_is_not_counted() -> None:
    # given
    calendar = BusinessCalendar("UTC", {0: [(time(9), time(12)), (time(13), time(17))]})

    # when
    deadline = add_business_time(utc(2026, 6, 1, 9), 4 * HOUR, calendar)

    # then
    assert deadline == utc(2026, 6, 1, 14)
    assert business_time_between(utc(2026, 6, 1), utc(2026, 6, 2), calendar) == 7 * HOUR


def test_overnight_and_next_morning_intervals_merge_into_one_opening() -> None:
    # given
    calendar = BusinessCalendar("UTC", {0: [(time(22), time(6))], 1: [(time(0), time(8))]})

    # when
    spans = next_openings(utc(2026, 6, 1, 12), calendar, 2)

    # then
    assert spans == [
        (utc(2026, 6, 1, 22), utc(2026, 6, 2, 8)),
        (utc(2026, 6, 8, 22), utc(2026, 6, 9, 8)),
    ]


def test_next_openings_clips_the_interval_in_progress() -> None:
    # given
    calendar = BusinessCalendar("Europe/Stockholm", WEEKDAYS_8_17)

    # when
    spans = next_openings(local("Europe/Stockholm", 2026, 6, 5, 15), calendar, 2)

    # then
    assert spans == [
        (utc(2026, 6, 5, 13), utc(2026, 6, 5, 15)),
        (utc(2026, 6, 8, 6), utc(2026, 6, 8, 15)),
    ]


def test_always_open_calendar_reports_one_opening_up_to_the_search_horizon() -> None:
    # given
    calendar = BusinessCalendar.always_open("Europe/Stockholm")

    # when
    spans = next_openings(utc(2026, 6, 1), calendar, 3)

    # then
    assert spans == [(utc(2026, 6, 1), utc(2026, 6, 1) + timedelta(days=1100))]


# --- examples: results and input checks -------------------------------------------------


def test_zero_duration_returns_start_in_utc() -> None:
    # given
    calendar = BusinessCalendar("Europe/Stockholm", WEEKDAYS_8_17)
    saturday = local("Europe/Stockholm", 2026, 6, 6, 12)

    # when
    deadline = add_business_time(saturday, timedelta(0), calendar)

    # then
    assert deadline == saturday
    assert deadline.tzinfo is UTC


def test_results_are_in_utc_whatever_the_input_zone() -> None:
    # given
    calendar = BusinessCalendar("Europe/Stockholm", WEEKDAYS_8_17)
    start = local("America/New_York", 2026, 6, 5, 9)

    # when
    deadline = add_business_time(start, HOUR, calendar)
    spans = next_openings(start, calendar, 2)

    # then
    assert deadline.tzinfo is UTC
    assert {instant.tzinfo for span in spans for instant in span} == {UTC}


def test_calendars_with_equal_settings_are_equal_and_hash_alike() -> None:
    # given
    first = BusinessCalendar("UTC", {0: [(time(9), time(17))]}, [date(2026, 6, 1)])
    second = BusinessCalendar("UTC", {0: ((time(9), time(17)),)}, {date(2026, 6, 1)})

    # when
    distinct = {first, second}

    # then
    assert first == second
    assert len(distinct) == 1


NAIVE = datetime(2026, 6, 1, 9)  # noqa: DTZ001 - the input under test


@pytest.mark.parametrize(
    "call",
    [
        lambda cal: add_business_time(NAIVE, HOUR, cal),
        lambda cal: business_time_between(NAIVE, utc(2026, 6, 2), cal),
        lambda cal: business_time_between(utc(2026, 6, 1), NAIVE, cal),
        lambda cal: next_openings(NAIVE, cal, 1),
    ],
    ids=["add", "between-start", "between-end", "next-openings"],
)
def test_naive_datetime_is_rejected(call: object) -> None:
    # given
    calendar = BusinessCalendar("UTC", WEEKDAYS_8_17)

    # when / then
    with pytest.raises(ValueError, match="timezone-aware"):
        call(calendar)


def test_negative_duration_is_rejected() -> None:
    # given
    calendar = BusinessCalendar("UTC", WEEKDAYS_8_17)

    # when / then
    with pytest.raises(ValueError, match="negative"):
        add_business_time(utc(2026, 6, 1), -MINUTE, calendar)


@pytest.mark.parametrize(
    "weekly",
    [{}, {0: []}],
    ids=["none", "empty-day"],
)
def test_calendar_without_open_time_is_rejected(weekly: dict[int, list[tuple[time, time]]]) -> None:
    # when / then
    with pytest.raises(ValueError, match="no open time"):
        BusinessCalendar("UTC", weekly)


def test_unknown_timezone_is_rejected() -> None:
    # when / then
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        BusinessCalendar("Mars/Olympus", WEEKDAYS_8_17)


def test_years_of_holidays_raise_instead_of_searching_forever() -> None:
    # given
    every_day = [date(2026, 1, 1) + timedelta(days=n) for n in range(4 * 366)]
    calendar = BusinessCalendar("UTC", WEEKDAYS_8_17, holidays=every_day)

    # when / then
    with pytest.raises(ValueError, match="no open time within"):
        add_business_time(utc(2026, 1, 1), HOUR, calendar)


def test_years_of_holidays_measure_as_closed() -> None:
    # given
    every_day = [date(2026, 1, 1) + timedelta(days=n) for n in range(4 * 366)]
    calendar = BusinessCalendar("UTC", WEEKDAYS_8_17, holidays=every_day)

    # when
    measured = business_time_between(utc(2026, 1, 1), utc(2029, 1, 1), calendar)

    # then
    assert measured == timedelta(0)


def test_an_interval_ending_where_it_starts_is_a_whole_day() -> None:
    # given: 00:00-00:00 on Monday, 08:00-08:00 on Wednesday (24 hours into Thursday)
    calendar = BusinessCalendar("UTC", {0: [(time(0), time(0))], 2: [(time(8), time(8))]})
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    # when
    monday_open = business_time_between(monday, monday + timedelta(days=1), calendar)
    wednesday_on = business_time_between(monday + timedelta(days=2), monday + timedelta(days=4), calendar)
    # then
    assert monday_open == timedelta(hours=24)
    assert wednesday_on == timedelta(hours=24)
