"""The arrivals heatmap: each cell and the sentence above it equal a recomputation from the rows,
placed in the calendar's own zone with its opening hours outlined."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from inbox.actions import ingest_message
from inbox.models import Conversation
from sla.evaluation import FIRST_CYCLE
from sla.reports import arrivals
from sla.reports.filters import report_scope
from tests.factories import make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_calendar, make_event

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
PERIOD = {"period": "custom", "from": "2026-11-02", "to": "2026-12-01"}
STOCKHOLM = ZoneInfo("Europe/Stockholm")
OFFICE = {str(day): [["08:00", "17:00"]] for day in range(5)}


def _median(values):
    return round(statistics.median(values), 6) if values else None


@pytest.fixture
def seeded():
    """Conversations at random instants of November, most answered (in their first cycle), a few not yet."""
    rng = random.Random(14)
    team = make_team("Support")
    channel = make_channel(team=team)
    rows = []
    for n in range(80):
        at = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 29 * 24 * 60))
        with time_machine.travel(at, tick=False):
            result = ingest_message(inbound=make_inbound(channel=channel, thread_key=f"t{n}", at=at))
        conversation = Conversation.objects.get(pk=result.conversation_id)
        wait = rng.randrange(60, 200_000) if rng.random() < 0.85 else None
        make_event(
            conversation=conversation,
            metric="first_response",
            outcome="achieved",
            at=at + timedelta(seconds=wait or 1800),
            business_seconds=wait,
            wall_seconds=wait,
        )
        # A later cycle's first response is another question, not this arrival's wait.
        make_event(
            conversation=conversation, metric="first_response", outcome="achieved", at=at + timedelta(days=2),
            business_seconds=5, wall_seconds=5, cycle=FIRST_CYCLE + 1,
        )  # fmt: skip
        rows.append((at.astimezone(STOCKHOLM), wait))
    return rows


def test_each_cell_and_the_inside_outside_sentence_equal_a_recomputation_in_the_calendars_zone(seeded):
    # given
    calendar = make_calendar(name="Office", timezone="Europe/Stockholm", always_open=False, weekly_hours=OFFICE)
    admin = make_user(role=Role.ADMIN)
    scope, _ = report_scope(user=admin, params=PERIOD, zone=UTC, now=NOW)
    # when
    grid = arrivals.heatmap(scope, calendar)
    # then
    cells = {(c.weekday, c.hour): c for _, row in grid.rows for c in row}
    for (weekday, hour), cell in cells.items():
        here = [w for local, w in seeded if (local.isoweekday(), local.hour) == (weekday, hour)]
        assert cell.arrivals == len(here), (weekday, hour)
        assert _r(cell.median_wait) == _median([w for w in here if w is not None]), (weekday, hour)
        assert cell.open == (weekday <= 5 and 8 <= hour < 17)
    inside = [w for local, w in seeded if local.isoweekday() <= 5 and 8 <= local.hour < 17]
    outside = [w for local, w in seeded if not (local.isoweekday() <= 5 and 8 <= local.hour < 17)]
    assert (grid.inside.arrivals, grid.outside.arrivals) == (len(inside), len(outside))
    assert _r(grid.inside.median_wait) == _median([w for w in inside if w is not None])
    assert _r(grid.outside.median_wait) == _median([w for w in outside if w is not None])
    assert round(grid.outside_percent, 6) == round(100 * len(outside) / len(seeded), 6)


def _r(value):
    return None if value is None else round(value, 6)


def test_hours_past_midnight_and_half_hours_are_outlined_on_the_right_days():
    # given
    calendar = make_calendar(always_open=False, weekly_hours={"4": [["20:30", "02:00"]], "5": [["10:00", "14:00"]]})
    # when
    slots = arrivals.open_slots(calendar)
    # then
    assert slots == {(5, 20), (5, 21), (5, 22), (5, 23), (6, 0), (6, 1), (6, 10), (6, 11), (6, 12), (6, 13)}


def test_a_supervisor_reads_the_sentence_and_the_grid_and_an_agent_gets_nothing(seeded):
    # given
    calendar = make_calendar(name="Office", timezone="Europe/Stockholm", always_open=False, weekly_hours=OFFICE)
    team = Conversation.objects.first().team
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[team])
    agent = make_user(teams=[team])
    url = reverse("sla_reports:arrivals") + f"?period=custom&from=2026-11-02&to=2026-12-01&calendar={calendar.pk}"
    # when
    with time_machine.travel(NOW, tick=False):
        page = _client_for(supervisor).get(url).content.decode()
        agent_status = _client_for(agent).get(url).status_code
    # then
    outside = sum(1 for local, _ in seeded if not (local.isoweekday() <= 5 and 8 <= local.hour < 17))
    assert f"of {len(seeded)} arrivals came while Office was closed ({outside})" in page
    assert 'id="arrivals-heatmap"' in page
    assert page.count('class="heat-') == 7 * 24
    assert agent_status == 404


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_cell_shows_the_wait_the_scorer_measured_for_a_real_reply(django_capture_on_commit_callbacks):
    # given a tweet on Tuesday 10 November 19:10 Stockholm, answered by an agent 25 minutes later
    from inbox.actions import send_reply
    from sla.scoring import evaluate_conversation
    from tests.sla.factories import make_policy

    make_policy(first_response_minutes=30)
    team = make_team("Support")
    channel = make_channel(team=team)
    agent = make_user(teams=[team])
    calendar = make_calendar(name="Office", timezone="Europe/Stockholm", always_open=False, weekly_hours=OFFICE)
    at = datetime(2026, 11, 10, 18, 10, tzinfo=UTC)
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = ingest_message(inbound=make_inbound(channel=channel, at=at))
    conversation = Conversation.objects.get(pk=result.conversation_id)
    with time_machine.travel(at + timedelta(minutes=25), tick=False), django_capture_on_commit_callbacks(execute=True):
        send_reply(conversation=conversation, author=agent, text="On it", visibility="public", idempotency_key="a1")
        evaluate_conversation(conversation_id=conversation.pk, now=at + timedelta(minutes=25))
    scope, _ = report_scope(user=make_user(role=Role.ADMIN), params=PERIOD, zone=UTC, now=NOW)
    # when
    grid = arrivals.heatmap(scope, calendar)
    # then
    tuesday = dict(grid.rows)["Tuesday"]
    assert (tuesday[19].arrivals, tuesday[19].median_wait) == (1, 25 * 60)
    assert grid.outside.median_wait == 25 * 60
