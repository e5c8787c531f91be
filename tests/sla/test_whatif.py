"""The what-if replay's properties (pure, sla/whatif.py): hours that only add never start a clock later
or make a wait longer, today's own hours replay today's figures exactly, and the replay's timeline
answers exactly as sla.clock's calendar walk does."""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.clock import BusinessCalendar, add_business_time, business_time_between
from sla.whatif import FirstResponse, Timeline, clock_start, micros, replay

OFFICE = BusinessCalendar("Europe/Stockholm", {d: [(time(8), time(17))] for d in range(5)})
LONGER = BusinessCalendar("Europe/Stockholm", {**{d: [(time(8), time(18))] for d in range(5)}, 5: [(time(10), time(14))]})
TARGET = 30 * 60

arrivals = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))
delays = st.integers(min_value=0, max_value=3 * 86_400)


def _as_measured_today(arrived_at: datetime, business: int) -> FirstResponse:
    replied = add_business_time(clock_start(arrived_at, OFFICE), timedelta(seconds=business), OFFICE)
    return FirstResponse(arrived_at, replied, business, TARGET, breached=business > TARGET)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(arrivals, delays), min_size=1, max_size=20))
def test_todays_own_hours_replay_todays_figures(rows):
    # given
    answered = [_as_measured_today(a, b) for a, b in rows]
    # when
    result = replay(answered, today=OFFICE, other=OFFICE)
    # then
    assert result.waits_then == result.waits_now
    assert (result.started_sooner, result.started_later) == (0, 0)
    assert result.breaches_same_replies == result.breaches_now == sum(b > TARGET for _, b in rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(arrivals, delays), min_size=1, max_size=20))
def test_hours_that_only_add_never_start_a_clock_later_nor_make_a_wait_longer(rows):
    # given
    answered = [_as_measured_today(a, b) for a, b in rows]
    # when
    result = replay(answered, today=OFFICE, other=LONGER)
    # then
    assert result.started_later == 0
    assert all(then <= now for now, then in zip(result.waits_now, result.waits_then, strict=True))
    # measured by longer hours, the same reply instants can only count more business time
    assert result.breaches_same_replies >= result.breaches_now


def test_an_unanswered_breach_stays_a_breach_and_has_no_wait():
    # given
    waiting = FirstResponse(datetime(2026, 11, 27, 16, 20, tzinfo=UTC), None, None, TARGET, breached=True)
    # when
    result = replay([waiting], today=OFFICE, other=LONGER)
    # then
    assert (result.breaches_now, result.breaches_same_replies, result.waits_now) == (1, 1, [])


NIGHTS = BusinessCalendar(
    "America/New_York",
    {0: [(time(22), time(6))], 2: [(time(9), time(12)), (time(13), time(17))], 4: [(time(0), time(0))]},
    holidays=[date(2026, 3, 9), date(2026, 11, 4), date(2026, 12, 25)],
)
CALENDARS = [OFFICE, LONGER, NIGHTS, BusinessCalendar.always_open("Europe/Stockholm")]
instants = st.datetimes(min_value=datetime(2025, 10, 1), max_value=datetime(2027, 4, 1), timezones=st.just(UTC))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CALENDARS), st.lists(st.tuples(instants, st.integers(0, 30 * 86_400 * 10**6), instants), max_size=12))
def test_a_timeline_answers_as_the_calendar_walk_does_to_the_microsecond(calendar, asked):
    # given: one timeline asked in any order, so it grows both ways
    line = Timeline(calendar)
    for start, duration, end in asked:
        # when
        at = micros(start)
        # then
        assert line.start(at) == micros(clock_start(start, calendar))
        assert line.add(at, duration) == micros(add_business_time(start, timedelta(microseconds=duration), calendar))
        assert line.between(at, micros(end)) == business_time_between(start, end, calendar) // timedelta(microseconds=1)


def test_instants_read_as_microseconds_replay_as_their_datetimes_do():
    # given
    rows = [
        _as_measured_today(datetime(2026, 11, 27, 16, 20, tzinfo=UTC), 20 * 60),
        _as_measured_today(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), 9000),
    ]
    as_ints = [
        FirstResponse(micros(r.arrived_at), micros(r.replied_at), r.business_seconds, r.target_seconds, r.breached) for r in rows
    ]
    # when
    dated, counted = replay(rows, today=OFFICE, other=LONGER), replay(as_ints, today=OFFICE, other=LONGER)
    # then
    assert dated == counted and dated.conversations == 2
