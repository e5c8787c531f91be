"""Every figure on the reports equals a recomputation from the rows, done here independently
(statistics.quantiles' inclusive method is the linear interpolation percentile_cont uses)."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role, User
from inbox.actions import ingest_message
from inbox.models import Conversation, Direction, Message
from sla.models import SlaEvent
from sla.reports import figures
from sla.reports.filters import report_scope
from tests.factories import make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_event

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
PERIOD = {"period": "custom", "from": "2026-11-20", "to": "2026-12-01"}
START, END = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
FRACTIONS = (50, 90, 95)


def _conversation(channel, *, at, n):
    with time_machine.travel(at, tick=False):
        result = ingest_message(inbound=make_inbound(channel=channel, thread_key=f"t{n}", at=at))
    return Conversation.objects.get(pk=result.conversation_id)


def _reply(conversation, *, at):
    return Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.OUT,
        text="On it",
        platform_time=at,
        received_time=at,
    )


@pytest.fixture
def world():
    """Two teams, three channels, agents and priorities, events inside and outside the period."""
    rng = random.Random(14)
    support, sales = make_team("Support"), make_team("Sales")
    channels = [
        make_channel(team=support, config={"flavor": "x"}),
        make_channel(team=support, config={"flavor": "email"}),
        make_channel(team=sales),
    ]
    agents = [make_user(teams=[support, sales]), make_user(teams=[support, sales])]
    for n in range(24):
        at = START + timedelta(hours=rng.randrange(-48, 12 * 24 + 48))
        conversation = _conversation(rng.choice(channels), at=at, n=n)
        Conversation.objects.filter(pk=conversation.pk).update(
            priority=rng.choice(["low", "normal", "high", "urgent"]), assignee=rng.choice([*agents, None])
        )
        conversation.refresh_from_db()
        if rng.random() < 0.7:
            _reply(conversation, at=at + timedelta(minutes=rng.randrange(1, 600)))
        for metric in ("first_response", "next_response", "resolution"):
            for cycle in range(rng.randrange(0, 3)):
                wall = rng.randrange(30, 90_000)
                answered = rng.random() < 0.85
                make_event(
                    conversation=conversation,
                    metric=metric,
                    cycle=cycle,
                    outcome=rng.choice(["achieved", "achieved", "breached"]),
                    at=at + timedelta(seconds=wall),
                    business_seconds=rng.randrange(0, wall) if answered else None,
                    wall_seconds=wall if answered else None,
                )
    return support, sales


def _quantile(values, pct):
    # Rounded, as a page shows them: the database's float arithmetic may differ in the last bit.
    values = sorted(values)
    if not values:
        return None
    if len(values) == 1:
        return round(float(values[0]), 6)
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 6)


def _r(value):
    return None if value is None else round(value, 6)


def _expected(events):
    """metric -> (achieved, breached, business p50/p90/p95, real p50/p90/p95), recomputed from rows."""
    out = {}
    for metric in {e.metric for e in events}:
        rows = [e for e in events if e.metric == metric]
        business = [e.business_seconds for e in rows if e.business_seconds is not None]
        real = [e.wall_seconds for e in rows if e.wall_seconds is not None]
        out[metric] = (
            sum(e.outcome == "achieved" for e in rows),
            sum(e.outcome == "breached" for e in rows),
            tuple(_quantile(business, p) for p in FRACTIONS),
            tuple(_quantile(real, p) for p in FRACTIONS),
        )
    return out


def _got(by_metric):
    return {
        m: (
            f.achieved,
            f.breached,
            tuple(_r(v) for v in (f.business.p50, f.business.p90, f.business.p95)),
            tuple(_r(v) for v in (f.real.p50, f.real.p90, f.real.p95)),
        )
        for m, f in by_metric.items()
    }


def test_every_outcome_figure_by_every_dimension_equals_a_recomputation(world):
    # given
    admin = make_user(role=Role.ADMIN)
    scope, _ = report_scope(user=admin, params=PERIOD, zone=UTC, now=NOW)
    rows = list(SlaEvent.objects.filter(happened_at__gte=START, happened_at__lt=END))
    # when
    grouped = figures.outcome_figures(scope)
    # then
    assert _got(grouped[""][None]) == _expected(rows)
    for dimension, column in (("channel", "channel_id"), ("team", "team_id"), ("agent", "assignee_id"), ("priority", "priority")):
        keys = {getattr(e, column) for e in rows}
        assert set(grouped[dimension]) == keys
        for key in keys:
            assert _got(grouped[dimension][key]) == _expected([e for e in rows if getattr(e, column) == key]), (dimension, key)


def test_conversations_in_replies_out_and_the_daily_series_equal_a_count_of_the_rows(world):
    # given
    admin = make_user(role=Role.ADMIN)
    scope, _ = report_scope(user=admin, params=PERIOD, zone=UTC, now=NOW)
    came = list(Conversation.objects.filter(created_at__gte=START, created_at__lt=END))
    sent = list(Message.objects.filter(direction="out", platform_time__gte=START, platform_time__lt=END))
    breaches = list(SlaEvent.objects.filter(outcome="breached", happened_at__gte=START, happened_at__lt=END))
    # when
    counts = figures.counts(scope)
    points = figures.series(scope)
    # then
    assert counts[""][None] == (len(came), len(sent))
    assert {k: v[0] for k, v in counts["priority"].items() if v[0]} == {
        p: sum(c.priority == p for c in came) for p in {c.priority for c in came}
    }
    assert len(points) == 12
    for point in points:
        day = point.at.date()
        assert point.conversations_in == sum(c.created_at.date() == day for c in came)
        assert point.replies_out == sum(m.platform_time.date() == day for m in sent)
        assert point.breaches == sum(e.happened_at.date() == day for e in breaches)


def test_a_supervisor_sees_only_their_teams_figures_and_the_page_shows_both_clocks(world, client):
    # given
    support, _ = world
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[support])
    rows = list(SlaEvent.objects.filter(team=support, happened_at__gte=START, happened_at__lt=END))
    client.force_login(supervisor)
    # when
    with time_machine.travel(NOW, tick=False):
        scope, _ = report_scope(user=supervisor, params=PERIOD, zone=UTC, now=NOW)
        grouped = figures.outcome_figures(scope)
        page = client.get(reverse("sla_reports:index"), PERIOD).content.decode()
    # then
    assert set(grouped["team"]) == {support.pk}
    assert _got(grouped[""][None]) == _expected(rows)
    assert "p50 business" in page and "p50 real wait" in page
    assert "Sales" not in page
    assert '<svg viewBox="0 0 720 220"' in page


def test_a_priority_changed_later_moves_the_conversations_outcomes_with_it(world):
    # given
    admin = make_user(role=Role.ADMIN)
    event = SlaEvent.objects.filter(happened_at__gte=START, happened_at__lt=END).select_related("conversation").first()
    conversation = event.conversation
    # when: any write path, here a bulk update, changes the conversation
    Conversation.objects.filter(pk=conversation.pk).update(priority="urgent", visibility="private")
    scope, _ = report_scope(user=admin, params={**PERIOD, "priority": "urgent", "visibility": "private"}, zone=UTC, now=NOW)
    # then
    assert set(SlaEvent.objects.filter(conversation=conversation).values_list("priority", "visibility")) == {
        ("urgent", "private")
    }
    assert conversation.pk in {row.conversation_id for row in figures.drill_down(scope, metric=event.metric)}


def test_the_breaches_figure_links_to_exactly_the_conversations_behind_it(world, client):
    # given
    admin = make_user(role=Role.ADMIN)
    client.force_login(admin)
    expected = set(
        SlaEvent.objects.filter(
            metric="first_response", outcome="breached", happened_at__gte=START, happened_at__lt=END
        ).values_list("conversation_id", flat=True)
    )
    # when
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("sla_reports:conversations"), {**PERIOD, "metric": "first_response", "outcome": "breached"})
    # then
    listed = {row.conversation_id for row in page.context["rows"]}
    assert listed == expected and expected
    html = page.content.decode()
    assert "First response, breached" in html
    # each row says when its breach happened, and who has it as the rest of Parley names them
    assert '<th scope="col">Breached</th>' in html
    first = Conversation.objects.select_related("customer", "assignee").get(pk=page.context["rows"][0].conversation_id)
    assert str(first.customer) == page.context["rows"][0].customer
    assert (first.assignee.display_name if first.assignee else "") == page.context["rows"][0].assignee


def test_every_listed_conversation_names_its_customer_and_assignee_as_the_rest_of_parley_does(world, client):
    # given: one agent with a full name, one known by username, and unassigned conversations
    admin = make_user(role=Role.ADMIN)
    client.force_login(admin)
    named = User.objects.filter(teams=world[0]).order_by("pk").first()
    named.first_name, named.last_name = "Ada", "Lind"
    named.save()
    came = Conversation.objects.filter(created_at__gte=START, created_at__lt=END).select_related("customer", "assignee")
    assert came.filter(assignee=None).exists() and came.filter(assignee=named).exists()
    # when
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("sla_reports:conversations"), PERIOD)
    # then
    rows = {row.conversation_id: row for row in page.context["rows"]}
    assert set(rows) == {conversation.pk for conversation in came}
    for conversation in came:
        row = rows[conversation.pk]
        assert (row.customer, row.assignee) == (
            str(conversation.customer),
            conversation.assignee.display_name if conversation.assignee else "",
        )
    assert "Ada Lind" in page.content.decode() and "None" not in page.content.decode()


@pytest.mark.parametrize(
    ("metric", "outcome"), [("next_response", ""), ("resolution", "achieved"), ("first_response", "breached")]
)
def test_a_figures_conversations_are_listed_once_each_at_their_latest_outcome_newest_first(world, metric, outcome):
    # given: conversations with two or more outcomes of the metric in the period
    admin = make_user(role=Role.ADMIN)
    scope, _ = report_scope(user=admin, params=PERIOD, zone=UTC, now=NOW)
    events = SlaEvent.objects.filter(metric=metric, happened_at__gte=START, happened_at__lt=END)
    if outcome:
        events = events.filter(outcome=outcome)
    latest: dict[int, datetime] = {}
    for conversation_id, at in events.values_list("conversation_id", "happened_at"):
        latest[conversation_id] = max(at, latest.get(conversation_id, at))
    assert events.count() > len(latest) or metric == "first_response"
    # when
    rows = figures.drill_down(scope, metric=metric, outcome=outcome)
    pages = figures.drill_down(scope, metric=metric, outcome=outcome, stop=3) + figures.drill_down(
        scope, metric=metric, outcome=outcome, start=3
    )
    # then
    assert [(row.conversation_id, row.at) for row in rows] == sorted(latest.items(), key=lambda kv: kv[1], reverse=True)
    assert [row.conversation_id for row in pages] == [row.conversation_id for row in rows]
