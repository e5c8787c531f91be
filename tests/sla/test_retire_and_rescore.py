"""Deleting calendars and policies only when unused; saving one rescores in the background with progress."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry, Role
from inbox.actions import ingest_message
from inbox.models import Conversation
from sla.models import BusinessCalendar, RescoreRun, SlaPolicy
from sla.rescoring import score_batch
from sla.runs import progress
from sla.scoring import evaluate_conversation
from tests.factories import make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_calendar, make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(make_user(role=Role.ADMIN, username="root"))
    return client


def _waiting(team, n, minutes_ago=10):
    channel = make_channel(team=team)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return [ingest_message(inbound=make_inbound(channel=channel, thread_key=f"w{i}", at=at)).conversation_id for i in range(n)]


def test_a_calendar_in_use_is_not_deleted_and_the_page_says_what_uses_it(admin_client):
    # given
    calendar = make_calendar(name="Office")
    make_policy(name="Email 4h", calendar=calendar)
    team = make_team("Support")
    team.default_calendar = calendar
    team.save()
    # when
    page = admin_client.post(f"/settings/sla/calendars/{calendar.pk}/delete/", follow=True).content.decode()
    # then
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()
    assert "policy Email 4h" in page and "team Support (default calendar)" in page


def test_an_unused_calendar_is_deleted_and_the_log_keeps_what_it_was(admin_client):
    # given
    calendar = make_calendar(name="Old hours")
    # when
    admin_client.post(f"/settings/sla/calendars/{calendar.pk}/delete/")
    # then
    assert not BusinessCalendar.objects.filter(pk=calendar.pk).exists()
    assert AuditEntry.objects.get(kind="calendar.deleted").before["name"] == "Old hours"


def test_a_policy_measuring_open_conversations_is_not_deleted(admin_client, django_capture_on_commit_callbacks):
    # given
    policy = make_policy(name="Default")
    with django_capture_on_commit_callbacks(execute=True):
        _waiting(make_team(), 2)
    # when
    page = admin_client.post(f"/settings/sla/policies/{policy.pk}/delete/", follow=True).content.decode()
    # then
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    assert "2 open or pending conversations" in page


def test_saving_a_policy_rescores_in_the_background_and_shows_progress(admin_client, django_capture_on_commit_callbacks):
    # given
    policy = make_policy(name="Default", first_response_minutes=60)
    with django_capture_on_commit_callbacks(execute=True):
        ids = _waiting(make_team(), 3)
    form = {
        "name": "Default",
        "channel_kind": "",
        "visibility": "",
        "priority": "",
        "team": "",
        "calendar": policy.calendar_id,
        "first_response_minutes": 5,
        "next_response_minutes": "",
        "resolution_minutes": "",
        "warning_percent": 80,
        "warning_minutes_before": "",
    }
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/settings/sla/policies/{policy.pk}/", form, follow=True)
    run = RescoreRun.objects.get()
    partial = admin_client.get(f"/settings/sla/rescoring/{run.pk}/").content.decode()
    # then: 10 minutes waited against a 5 minute target
    assert {Conversation.objects.get(pk=i).sla_state for i in ids} == {"breached"}
    assert (run.total, run.done) == (3, 3) and run.finished_at is not None
    assert 'id="rescore-progress"' in response.content.decode()
    assert "rescored 3 open conversations" in partial and "every 1s" not in partial
    entry = AuditEntry.objects.get(kind="policy.updated")
    assert (entry.before["first_response_minutes"], entry.after["first_response_minutes"]) == (60, 5)


def test_a_running_rescore_polls_and_tells_done_total_and_time_left(admin_client):
    # given
    run = RescoreRun.objects.create(label="Calendar Office saved", total=10_000, done=2_500)
    RescoreRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(seconds=5))
    # when
    partial = admin_client.get(f"/settings/sla/rescoring/{run.pk}/").content.decode()
    # then: 2,500 in 5 s is 500/s, so 7,500 more take 15 s
    assert '2500</span> / <span class="total">10000' in partial
    assert "about 0:00:1" in partial  # 14 or 15 seconds, as the request takes a moment
    assert 'hx-trigger="every 1s"' in partial


def test_progress_says_time_left_from_the_rate_so_far():
    # given
    now = timezone.now()
    run = RescoreRun(total=1000, done=250, started_at=now - timedelta(seconds=10))
    # when
    shown = progress(run, now=now)
    # then
    assert shown["share"] == 25 and shown["left"] == timedelta(seconds=30)


def test_batch_scoring_gives_the_same_answer_as_one_at_a_time(django_capture_on_commit_callbacks):
    # given
    make_policy(first_response_minutes=5)
    team = make_team()
    with django_capture_on_commit_callbacks(execute=True):
        ids = _waiting(team, 4, minutes_ago=3) + _waiting(team, 3, minutes_ago=20)
    now = timezone.now()
    one_by_one = {}
    for i in ids:
        evaluate_conversation(conversation_id=i, now=now, announce=False)
        one_by_one[i] = Conversation.objects.values_list("sla_state", "sla_due_at").get(pk=i)
    Conversation.objects.filter(pk__in=ids).update(sla_state="none", sla_due_at=None)
    # when
    score_batch(ids, now=now, policies=list(SlaPolicy.objects.select_related("calendar")), announce=False)
    # then
    assert {i: Conversation.objects.values_list("sla_state", "sla_due_at").get(pk=i) for i in ids} == one_by_one
    assert sorted(s for s, _ in one_by_one.values()) == ["breached"] * 3 + ["ok"] * 4


def test_a_policy_without_a_calendar_measures_in_the_teams_default_calendar():
    # given: weekday office hours for the team; a customer waiting 30 minutes on a Saturday
    office = BusinessCalendar.objects.create(
        name="Office", timezone="UTC", weekly_hours={str(d): [["09:00", "17:00"]] for d in range(5)}
    )
    team, other = make_team("Support"), make_team("Night shift")
    team.default_calendar = office
    team.save()
    SlaPolicy.objects.create(name="Team hours", calendar=None, first_response_minutes=5)
    saturday_noon = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    ids = []
    for t in (team, other):
        channel = make_channel(team=t)
        at = saturday_noon - timedelta(minutes=30)
        ids.append(ingest_message(inbound=make_inbound(channel=channel, at=at)).conversation_id)
    # when
    for i in ids:
        evaluate_conversation(conversation_id=i, now=saturday_noon, announce=False)
    # then: closed on Saturdays for the team with office hours; every hour counts for the one without
    assert [Conversation.objects.get(pk=i).sla_state for i in ids] == ["ok", "breached"]
