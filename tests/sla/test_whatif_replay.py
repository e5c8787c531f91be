"""The what-if replay's promises, over generated calendars and arrivals (hypothesis), and one
small case worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.clock import BusinessCalendar
from sla.whatif_replay import Arrival, clock_start, replay, replay_one

WINDOW = datetime(2026, 3, 16, tzinfo=UTC)  # four weeks around the spring DST change
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _calendar(zone: str, open_hours: frozenset[tuple[int, int]]) -> BusinessCalendar:
    weekly = {day: [(time(h), time((h + 1) % 24)) for h in range(24) if (day, h) in open_hours] for day in range(7)}
    return BusinessCalendar(zone, {d: spans for d, spans in weekly.items() if spans})


hours = st.frozensets(st.tuples(st.integers(0, 6), st.integers(0, 23)), min_size=1, max_size=60)
arrivals = st.lists(
    st.builds(
        Arrival,
        arrived_at=st.integers(0, 28 * 24 * 60).map(lambda m: WINDOW + timedelta(minutes=m)),
        replied_at=st.just(WINDOW),  # replaced below: a reply some minutes after its arrival
        target=st.integers(1, 600).map(lambda m: timedelta(minutes=m)),
    ).flatmap(
        lambda a: st.integers(0, 5 * 24 * 60).map(lambda m: Arrival(a.arrived_at, a.arrived_at + timedelta(minutes=m), a.target))
    ),
    min_size=1,
    max_size=12,
)
zones = st.sampled_from(["UTC", "Europe/Stockholm", "America/New_York"])


@settings(max_examples=60, deadline=None)
@given(zone=zones, today_hours=hours, added=hours, found=arrivals)
def test_hours_added_never_start_a_clock_later_nor_make_a_reply_later(zone, today_hours, added, found):
    # given
    today, other = _calendar(zone, today_hours), _calendar(zone, today_hours | added)
    # when
    replayed = [(a, replay_one(a, today=today, other=other)) for a in found]
    # then
    assert all(r.started_at <= clock_start(a.arrived_at, today) for a, r in replayed)
    assert all(r.replied_at <= a.replied_at for a, r in replayed)
    assert all(r.replied_at >= a.arrived_at for a, r in replayed)


@settings(max_examples=60, deadline=None)
@given(zone=zones, today_hours=hours, found=arrivals)
def test_the_same_hours_reproduce_todays_figures(zone, today_hours, found):
    # given
    today = _calendar(zone, today_hours)
    same = _calendar(zone, today_hours)
    # when
    figures = replay(found, today=today, other=same)
    # then
    assert figures.started_sooner == 0
    assert (figures.median_then, figures.p90_then) == (figures.median_now, figures.p90_now)
    assert figures.breaches_same_replies == figures.breaches_now


def test_open_until_18_answers_a_monday_1720_message_at_1750_and_counts_its_breach_with_the_same_reply():
    # given: office 08-17 in Stockholm; a message on Monday 17:20 answered on Tuesday 08:30 (30 open minutes)
    office = BusinessCalendar("Europe/Stockholm", {d: [(time(8), time(17))] for d in range(5)})
    until_18 = BusinessCalendar("Europe/Stockholm", {d: [(time(8), time(18))] for d in range(5)})
    arrived = datetime(2026, 11, 23, 17, 20, tzinfo=STOCKHOLM)
    early = datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM)  # inside hours, answered in 10 minutes
    found = [
        Arrival(arrived, datetime(2026, 11, 24, 8, 30, tzinfo=STOCKHOLM), timedelta(minutes=30)),
        Arrival(early, early + timedelta(minutes=10), timedelta(minutes=30)),
    ]
    # when
    figures = replay(found, today=office, other=until_18)
    replayed = replay_one(found[0], today=office, other=until_18)
    # then
    assert replayed.started_at == arrived
    assert replayed.replied_at == datetime(2026, 11, 23, 17, 50, tzinfo=STOCKHOLM)
    assert figures.started_sooner == 1
    assert figures.median_now == (15 * 3600 + 10 * 60 + 10 * 60) / 2
    assert figures.median_then == (30 * 60 + 10 * 60) / 2
    assert figures.p90_now == 10 * 60 + 0.9 * (15 * 3600)
    # the kept delay is 30 minutes (met); the same Tuesday reply counts 40 + 30 open minutes (breached)
    assert (figures.breaches_now, figures.breaches_same_replies) == (0, 1)
