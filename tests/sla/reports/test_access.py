"""Reports are for supervisors (their teams) and admins (every team); agents get a 404."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from inbox.actions import ingest_message
from sla.reports.filters import report_scope
from tests.factories import make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_an_agent_cannot_open_the_reports_and_a_supervisor_can():
    # given
    team = make_team()
    agent = make_user(teams=[team])
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[team])
    # when
    agent_status = _client_for(agent).get(reverse("sla_reports:index")).status_code
    supervisor_page = _client_for(supervisor).get(reverse("sla_reports:index")).content.decode()
    # then
    assert agent_status == 404
    assert 'href="/sla/reports/"' in supervisor_page


def test_a_supervisor_counts_only_their_teams_and_cannot_widen_by_asking_for_another():
    # given
    mine, theirs = make_team("Mine"), make_team("Theirs")
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[mine])
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        for team, count in ((mine, 2), (theirs, 3)):
            channel = make_channel(team=team)
            for n in range(count):
                ingest_message(inbound=make_inbound(channel=channel, thread_key=f"t{n}"))
    client = _client_for(supervisor)
    # when
    with time_machine.travel(NOW, tick=False):
        own = client.get(reverse("sla_reports:index"), {"period": "today"})
        foreign = client.get(reverse("sla_reports:index"), {"period": "today", "team": theirs.pk})
    # then
    assert (own.context["conversations_in"], foreign.context["conversations_in"]) == (2, 2)
    assert "left out" in foreign.content.decode()


def test_the_scope_keeps_the_filters_for_links_and_an_admin_sees_every_team():
    # given
    a, b = make_team(), make_team()
    admin = make_user(role=Role.ADMIN)
    x = make_channel(team=a, config={"flavor": "x"})
    make_channel(team=b, config={"flavor": "facebook"})
    # when
    scope, _ = report_scope(user=admin, params={"period": "30", "channel_kind": "x", "from": "2026-01-01"}, zone=UTC, now=NOW)
    # then
    assert set(scope.team_ids) == {a.pk, b.pk}
    assert scope.channel_ids == (x.pk,)
    assert scope.query_string(metric="first_response") == "period=30&channel_kind=x&metric=first_response"


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
