"""The period is the user's local days: "7 days" ends at their next midnight, whatever UTC says."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sla.reports.periods import MAX_DAYS, parse_period

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# 23:30 UTC on 1 Dec is already 2 Dec in Stockholm.
NOW = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


def test_today_is_the_users_local_day_not_the_utc_one():
    # when
    period = parse_period({"period": "today"}, zone=STOCKHOLM, now=NOW)
    # then
    assert (period.start, period.end) == (
        datetime(2026, 12, 1, 23, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 23, 0, tzinfo=UTC),
    )
    assert period.hourly and len(period.buckets()) == 24


def test_seven_days_are_today_and_the_six_before_drawn_day_by_day():
    # when
    period = parse_period({"period": "7"}, zone=STOCKHOLM, now=NOW)
    # then
    assert (period.first_day, period.last_day, period.step) == (date(2026, 11, 26), date(2026, 12, 2), "day")
    assert [b.date() for b in period.buckets()] == [date(2026, 11, 26) + timedelta(days=n) for n in range(7)]


def test_a_custom_range_includes_its_last_day_and_a_dst_day_has_23_hours():
    # when: Sweden moved its clocks forward on 29 March 2026
    period = parse_period({"period": "custom", "from": "2026-03-29", "to": "2026-03-29"}, zone=STOCKHOLM, now=NOW)
    # then
    assert period.end - period.start == timedelta(hours=23)
    assert len(period.buckets()) == 23


def test_reversed_dates_are_swapped_and_too_long_a_range_is_cut_with_a_note():
    # when
    swapped = parse_period({"period": "custom", "from": "2026-11-30", "to": "2026-11-01"}, zone=UTC, now=NOW)
    long = parse_period({"period": "custom", "from": "2020-01-01", "to": "2026-11-30"}, zone=UTC, now=NOW)
    # then
    assert (swapped.first_day, swapped.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert "swapped" in swapped.note
    assert (long.days, long.last_day) == (MAX_DAYS, date(2026, 11, 30))


def test_an_unreadable_period_falls_back_to_seven_days_and_says_so():
    # when
    period = parse_period({"period": "forever"}, zone=UTC, now=NOW)
    blank_custom = parse_period({"period": "custom", "from": "soon"}, zone=UTC, now=NOW)
    # then
    assert (period.key, period.days) == ("7", 7)
    assert period.note and blank_custom.note
