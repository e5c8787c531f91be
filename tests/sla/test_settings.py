from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from sla.models import BusinessCalendar
from tests.factories import make_team, make_user
from tests.sla.factories import make_calendar, make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(role=Role.ADMIN))
    return client


def _calendar_form(**overrides):
    form = {
        "name": "Office",
        "timezone": "Europe/Stockholm",
        "holiday_country": "SE",
        "holiday_subdivision": "",
        "closed_dates": "2026-12-23 Company day",
        **{f"day_{d}": "08:00-17:00" for d in range(5)},
    }
    form.update({f"day_{d}": "" for d in (5, 6)})
    form.update(overrides)
    return form


def test_an_admin_saves_a_calendar_and_sees_the_next_opening_times(admin_client, django_capture_on_commit_callbacks):
    # when: a Sunday, so the next five openings are the whole working week
    with (
        time_machine.travel(datetime(2026, 11, 29, 12, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(reverse("sla:calendar_new"), _calendar_form(), follow=True)
    # then
    calendar = BusinessCalendar.objects.get(name="Office")
    assert calendar.weekly_hours["0"] == [["08:00", "17:00"]]
    assert list(calendar.custom_holidays.values_list("name", flat=True)) == ["Company day"]
    assert b"Next opening times" in response.content
    assert response.content.count("08:00 – ".encode()) == 5  # local opening times, not UTC


def test_overlapping_intervals_are_refused_in_words(admin_client):
    # when
    response = admin_client.post(reverse("sla:calendar_new"), _calendar_form(day_0="08:00-12:00, 11:00-13:00"))
    # then
    assert "Monday: 08:00–12:00 overlaps 11:00–13:00".encode() in response.content
    assert not BusinessCalendar.objects.exists()


def test_an_unknown_time_zone_is_refused_in_words(admin_client):
    # when
    response = admin_client.post(reverse("sla:calendar_new"), _calendar_form(timezone="Europe/Stokholm"))
    # then
    assert b"is not a time zone we know" in response.content
    assert not BusinessCalendar.objects.exists()


def test_an_overnight_interval_is_accepted(admin_client):
    # when
    admin_client.post(reverse("sla:calendar_new"), _calendar_form(day_4="22:00-06:00"))
    # then
    assert BusinessCalendar.objects.get().weekly_hours["4"] == [["22:00", "06:00"]]


def test_an_admin_edits_a_policy_target(admin_client, django_capture_on_commit_callbacks):
    # given
    policy = make_policy(first_response_minutes=30)
    form = {
        "name": policy.name,
        "channel_kind": "x",
        "visibility": "public",
        "priority": "",
        "team": "",
        "calendar": policy.calendar_id,
        "first_response_minutes": 15,
        "next_response_minutes": 30,
        "resolution_minutes": 1440,
        "warning_percent": 80,
        "warning_minutes_before": "",
    }
    # when
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("sla:policy", args=[policy.pk]), form)
    # then
    policy.refresh_from_db()
    assert (policy.first_response_minutes, policy.channel_kind) == (15, "x")


def test_agents_cannot_open_sla_settings_and_the_old_dashboard_takes_supervisors_to_the_reports(client):
    # given
    agent, supervisor = make_user(teams=[make_team()]), make_user(role=Role.SUPERVISOR)
    make_calendar()
    # when
    client.force_login(agent)
    agent_status = client.get(reverse("sla:settings")).status_code
    client.force_login(supervisor)
    dashboard = client.get(reverse("sla_dashboard:dashboard"))
    # then
    assert (agent_status, dashboard.status_code, dashboard["Location"]) == (404, 302, reverse("sla_reports:index"))
