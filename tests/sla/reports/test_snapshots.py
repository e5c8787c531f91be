"""Report figures come from a snapshot the worker keeps fresh: a page shows when they were taken,
serves them while a newer one is worked out, and on a scope's first visit waits on a polling page."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from config.celery import app as celery_app
from inbox.actions import ingest_message
from tests.factories import make_channel, make_inbound, make_team, make_user

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def snapshots_on(settings):
    settings.PARLEY_REPORT_FRESH_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_figures_are_served_from_the_snapshot_until_it_is_a_minute_old(snapshots_on):
    # given
    team = make_team()
    channel = make_channel(team=team)
    client = _client_for(make_user(role=Role.SUPERVISOR, supervises=[team]))
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        ingest_message(inbound=make_inbound(channel=channel, thread_key="first"))
    # when
    with time_machine.travel(NOW, tick=False):
        first = client.get(reverse("sla_reports:index"), {"period": "7"})
    with time_machine.travel(NOW + timedelta(seconds=5), tick=False):
        ingest_message(inbound=make_inbound(channel=channel, thread_key="second"))
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        within_the_minute = client.get(reverse("sla_reports:index"), {"period": "7"})
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        after_it = client.get(reverse("sla_reports:index"), {"period": "7"})
    # then
    assert first.context["conversations_in"] == 1
    assert within_the_minute.context["conversations_in"] == 1
    assert "Figures as of <time" in within_the_minute.content.decode()
    assert within_the_minute.context["snapshot"].taken_at == NOW
    assert after_it.context["conversations_in"] == 2


@pytest.mark.django_db
def test_two_supervisors_asking_for_the_same_teams_share_one_snapshot(snapshots_on):
    # given
    team = make_team()
    ingest_message(inbound=make_inbound(channel=make_channel(team=team)))
    one, other = (_client_for(make_user(role=Role.SUPERVISOR, supervises=[team])) for _ in range(2))
    # when
    first = one.get(reverse("sla_reports:index"), {"period": "30"}).context["snapshot"]
    second = other.get(reverse("sla_reports:index"), {"period": "30", "team": team.pk}).context["snapshot"]
    # then
    assert first.taken_at == second.taken_at


@pytest.mark.services
def test_on_a_scopes_first_visit_the_page_polls_until_a_real_worker_has_the_figures(snapshots_on, celery_worker):
    # given
    team = make_team()
    make_channel(team=team)
    ingest_message(inbound=make_inbound(channel=make_channel(team=team)))
    client = _client_for(make_user(role=Role.SUPERVISOR, supervises=[team]))
    celery_app.conf.task_always_eager = False
    # when
    first = client.get(reverse("sla_reports:index"), {"period": "90"})
    deadline = time.monotonic() + 30
    while (ready := client.get(reverse("sla_reports:index"), {"period": "90"})).context["snapshot"] is None:
        assert time.monotonic() < deadline, "the worker never computed the figures"
        time.sleep(0.2)
    # then
    page = first.content.decode()
    assert first.context["snapshot"] is None
    assert 'id="report-pending"' in page and 'hx-trigger="every 2s"' in page
    assert ready.context["conversations_in"] == 1


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client
