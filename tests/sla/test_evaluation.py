"""Scoring transitions on the pure replay: pause, resume, reopen, policy change, outcomes."""

from datetime import UTC, datetime, time, timedelta

from sla.clock import BusinessCalendar
from sla.evaluation import AGENT, CUSTOMER, OPEN, PENDING, RESOLVED, Entry, Targets, evaluate

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
ALWAYS = BusinessCalendar.always_open()
TARGETS = Targets(
    first_response=timedelta(minutes=30),
    next_response=timedelta(minutes=20),
    resolution=timedelta(hours=24),
    warning_percent=80,
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_new_customer_message_starts_first_response_and_resolution_clocks():
    # given
    timeline = [Entry(at(0), CUSTOMER)]
    # when
    result = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(1))
    # then
    assert result.state == "ok"
    assert result.due_at == at(30)
    assert result.warning_at == at(24)
    assert result.next_flag_at == at(24)
    assert {r.metric for r in result.running} == {"first_response", "resolution"}


def test_warning_then_breach_states_follow_the_instants_exactly():
    # given
    timeline = [Entry(at(0), CUSTOMER)]
    # when
    before_warning = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(24) - timedelta(microseconds=1))
    at_warning = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(24))
    before_breach = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(30) - timedelta(microseconds=1))
    at_breach = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(30))
    # then
    assert [before_warning.state, at_warning.state, before_breach.state, at_breach.state] == [
        "ok",
        "at_risk",
        "at_risk",
        "breached",
    ]
    assert at_warning.next_flag_at == at(30)


def test_an_agent_reply_in_time_achieves_first_response():
    # given
    timeline = [Entry(at(0), CUSTOMER), Entry(at(10), AGENT)]
    # when
    result = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(11))
    # then
    first = [o for o in result.outcomes if o.metric == "first_response"]
    assert [(o.outcome, o.business_seconds, o.wall_seconds) for o in first] == [("achieved", 600, 600)]
    assert result.due_at == at(24 * 60)  # only resolution runs now


def test_a_late_reply_is_one_breach_with_the_time_it_really_took():
    # given
    timeline = [Entry(at(0), CUSTOMER), Entry(at(45), AGENT)]
    # when
    result = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(50))
    # then
    first = [o for o in result.outcomes if o.metric == "first_response"]
    assert [(o.outcome, o.due_at, o.responded_at, o.wall_seconds) for o in first] == [("breached", at(30), at(45), 45 * 60)]


def test_pending_pauses_the_clocks_and_resume_keeps_the_time_left():
    # given: 10 minutes used, paused for an hour, resumed
    timeline = [Entry(at(0), CUSTOMER), Entry(at(10), PENDING), Entry(at(70), OPEN)]
    # when
    paused = evaluate(timeline=timeline[:2], targets=TARGETS, calendar=ALWAYS, now=at(40))
    resumed = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(71))
    # then
    assert paused.paused and paused.due_at is None and paused.state == "paused"
    assert paused.paused_left == timedelta(minutes=20)  # the nearest clock: first response, 30 - 10
    assert resumed.running_due("first_response").due_at == at(90)
    assert (resumed.state, resumed.paused_left) == ("ok", None)


def test_a_customer_reply_after_an_agent_reply_starts_next_response():
    # given
    timeline = [Entry(at(0), CUSTOMER), Entry(at(5), AGENT), Entry(at(60), CUSTOMER)]
    # when
    result = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(61))
    # then
    assert result.running_due("next_response").due_at == at(80)
    assert result.due_at == at(80)


def test_resolving_stops_the_clocks_and_a_new_customer_message_starts_a_new_cycle():
    # given
    timeline = [Entry(at(0), CUSTOMER), Entry(at(5), AGENT), Entry(at(30), RESOLVED), Entry(at(600), CUSTOMER)]
    # when
    resolved = evaluate(timeline=timeline[:3], targets=TARGETS, calendar=ALWAYS, now=at(100))
    reopened = evaluate(timeline=timeline, targets=TARGETS, calendar=ALWAYS, now=at(601))
    # then
    assert resolved.state == "none" and resolved.next_flag_at is None
    assert [(o.metric, o.outcome, o.cycle) for o in resolved.outcomes if o.metric == "resolution"] == [
        ("resolution", "achieved", 1)
    ]
    assert reopened.cycle == 2
    assert reopened.running_due("first_response").due_at == at(630)


def test_a_policy_change_moves_the_due_time():
    # given
    timeline = [Entry(at(0), CUSTOMER)]
    urgent = Targets(first_response=timedelta(minutes=15), next_response=None, resolution=None, warning_percent=80)
    # when
    result = evaluate(timeline=timeline, targets=urgent, calendar=ALWAYS, now=at(1))
    # then
    assert result.due_at == at(15)


def test_business_hours_carry_the_clock_over_the_night():
    # given: Stockholm 08-17 weekdays; a message at 16:50 local (15:50 UTC in winter) on Monday
    calendar = BusinessCalendar("Europe/Stockholm", {d: [(time(8), time(17))] for d in range(5)})
    message_at = datetime(2026, 3, 2, 15, 50, tzinfo=UTC)
    # when
    result = evaluate(timeline=[Entry(message_at, CUSTOMER)], targets=TARGETS, calendar=calendar, now=message_at)
    # then: 10 minutes on Monday, 20 more from 08:00 Tuesday
    assert result.running_due("first_response").due_at == datetime(2026, 3, 3, 7, 20, tzinfo=UTC)
