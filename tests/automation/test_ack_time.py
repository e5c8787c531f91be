"""When a person will answer a customer who writes while closed: a weekend, a holiday, and properties."""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from automation.ack_time import answer_text, answer_times, is_open
from sla.clock import BusinessCalendar, business_time_between

# Stockholm office hours, weekdays 08:00-17:00, Christmas Day 2026 (a Friday) closed.
OFFICE = BusinessCalendar("Europe/Stockholm", {d: [(time(8), time(17))] for d in range(5)}, frozenset({date(2026, 12, 25)}))
HALF_HOUR = timedelta(minutes=30)


def _text(received):
    return answer_text(
        answer_times(received_at=received, calendar=OFFICE, first_response=HALF_HOUR),
        received_at=received,
        timezone="Europe/Stockholm",
    )


def test_friday_evening_is_answered_on_monday_morning():
    received = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)  # Friday 19:00 in Stockholm
    times = answer_times(received_at=received, calendar=OFFICE, first_response=HALF_HOUR)
    assert times.back_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert times.answer_by == datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
    assert _text(received) == "We're back on Monday at 08:00; you'll hear from us by 08:30."


def test_christmas_eve_evening_skips_the_holiday_and_the_weekend():
    received = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)  # Thursday 18:00, Friday is Christmas Day
    times = answer_times(received_at=received, calendar=OFFICE, first_response=HALF_HOUR)
    assert times.back_at == datetime(2026, 12, 28, 7, 0, tzinfo=UTC)
    assert _text(received) == "We're back on Monday at 08:00; you'll hear from us by 08:30."


def test_an_early_morning_message_is_answered_the_same_day():
    assert _text(datetime(2026, 12, 2, 5, 0, tzinfo=UTC)) == "We're back at 08:00; you'll hear from us by 08:30."


def test_a_late_evening_message_is_answered_tomorrow_and_a_long_target_runs_into_the_next_day():
    received = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # Wednesday 21:00
    assert _text(received) == "We're back tomorrow at 08:00; you'll hear from us by 08:30."
    times = answer_times(received_at=received, calendar=OFFICE, first_response=timedelta(hours=10))
    text = answer_text(times, received_at=received, timezone="Europe/Stockholm")
    assert text == "We're back tomorrow at 08:00; you'll hear from us by Friday 09:00."


def test_a_long_closure_names_the_date():
    closed = BusinessCalendar("UTC", {0: [(time(9), time(10))]}, frozenset({date(2026, 12, 7)}))
    received = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # Friday; next Monday is closed too
    times = answer_times(received_at=received, calendar=closed, first_response=HALF_HOUR)
    assert answer_text(times, received_at=received, timezone="UTC") == (
        "We're back on Monday 14 December at 09:00; you'll hear from us by 09:30."
    )


def test_open_and_closed_instants():
    assert is_open(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), OFFICE)  # Wednesday 10:00
    assert not is_open(datetime(2026, 12, 5, 9, 0, tzinfo=UTC), OFFICE)  # Saturday
    assert not is_open(datetime(2026, 12, 25, 9, 0, tzinfo=UTC), OFFICE)  # Christmas Day


@given(
    received=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    minutes=st.integers(min_value=1, max_value=3000),
)
def test_the_promise_is_the_next_opening_and_exactly_the_target_of_open_time(received, minutes):
    target = timedelta(minutes=minutes)
    times = answer_times(received_at=received, calendar=OFFICE, first_response=target)
    # nothing open between the message and the opening we name, and that instant is open
    assert times.back_at >= received
    assert business_time_between(received, times.back_at, OFFICE) == timedelta(0)
    assert is_open(times.back_at, OFFICE)
    # the promised time is the SLA's due instant: the target, counted in open time
    assert times.answer_by > times.back_at
    assert business_time_between(received, times.answer_by, OFFICE) == target
    text = answer_text(times, received_at=received, timezone="Europe/Stockholm")
    assert text.startswith("We're back ") and text.endswith(".")
    assert times.answer_by.astimezone(OFFICE._zone).strftime("%H:%M") in text
