"""/settings/teams/: add, rename, members and supervisors, capacities, auto-assignment, order, archive."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AssignmentOrder, AuditEntry, Role, Team, User
from inbox.actions import ingest_message, set_conversation_status
from inbox.models import Conversation
from tests.factories import make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    c = Client()
    c.force_login(make_user(role=Role.ADMIN, username="root"))
    return c


def _online(*users):
    User.objects.filter(pk__in=[u.pk for u in users]).update(last_seen_at=timezone.now())


def _waiting(channel, n, start=30):
    return [
        Conversation.objects.get(
            pk=ingest_message(
                inbound=make_inbound(channel=channel, thread_key=f"t{i}", at=timezone.now() - timedelta(minutes=start - i))
            ).conversation_id
        )
        for i in range(n)
    ]


def _settings(team, **overrides):
    form = {"name": team.name, "assignment_order": team.assignment_order, "default_calendar": ""}
    if team.auto_assign:
        form["auto_assign"] = "on"
    form["members"] = [u.pk for u in team.members.all()]
    form["supervisors"] = [u.pk for u in team.supervisors.all()]
    for u in team.members.all():
        form[f"capacity_{u.pk}"] = u.capacity
    form.update(overrides)
    return form


def test_an_admin_adds_a_team_with_two_agents_and_a_supervisor(client):
    # given
    ann, bob = make_user(username="ann"), make_user(username="bob")
    sue = make_user(username="sue", role=Role.SUPERVISOR)
    client.post("/settings/teams/new/", {"name": "Support", "assignment_order": "urgent_first"})
    team = Team.objects.get(name="Support")
    # when
    client.post(f"/settings/teams/{team.pk}/", _settings(team, members=[ann.pk, bob.pk], supervisors=[sue.pk]))
    # then
    assert set(team.members.values_list("username", flat=True)) == {"ann", "bob"}
    assert list(team.supervisors.values_list("username", flat=True)) == ["sue"]
    entry = AuditEntry.objects.get(kind="team.updated")
    assert (entry.before["members"], entry.after["members"]) == ([], ["ann", "bob"])


def test_switching_on_auto_assignment_with_capacities_hands_out_the_waiting_work(client, django_capture_on_commit_callbacks):
    # given
    team = make_team("Support")
    ann, bob = make_user(username="ann", teams=[team]), make_user(username="bob", teams=[team])
    _online(ann, bob)
    _waiting(make_channel(team=team), 5)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/settings/teams/{team.pk}/",
            _settings(team, auto_assign="on", **{f"capacity_{ann.pk}": 1, f"capacity_{bob.pk}": 2}),
        )
    # then
    held = {u.username: Conversation.objects.filter(assignee=u).count() for u in (ann, bob)}
    assert held == {"ann": 1, "bob": 2}
    assert Conversation.objects.filter(assignee__isnull=True).count() == 2
    entry = AuditEntry.objects.get(kind="team.updated")
    assert entry.after["auto_assign"] is True and entry.after["capacity"] == {"ann": 1, "bob": 2}


def test_capacity_counts_pending_and_resolving_frees_room_for_the_most_urgent(django_capture_on_commit_callbacks):
    # given
    team = make_team("Support")
    team.auto_assign = True
    team.save()
    ann = make_user(username="ann", teams=[team])
    User.objects.filter(pk=ann.pk).update(capacity=2, last_seen_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = _waiting(make_channel(team=team), 3)
    # when: one pends (still hers), then one resolves
    with django_capture_on_commit_callbacks(execute=True):
        set_conversation_status(conversation=first, status="pending", actor=ann)
    still_waiting = Conversation.objects.get(pk=third.pk).assignee_id
    with django_capture_on_commit_callbacks(execute=True):
        set_conversation_status(conversation=second, status="resolved", actor=ann)
    # then
    assert still_waiting is None
    assert Conversation.objects.get(pk=third.pk).assignee == ann


def test_the_oldest_waiting_order_hands_out_by_waiting_time_not_urgency(django_capture_on_commit_callbacks):
    # given
    from inbox.assignment import assign_waiting

    team = make_team("Support")
    team.auto_assign, team.assignment_order = True, AssignmentOrder.OLDEST_FIRST
    team.save()
    ann = make_user(username="ann", teams=[team])
    User.objects.filter(pk=ann.pk).update(capacity=1, last_seen_at=timezone.now())
    older, newer = _waiting(make_channel(team=team), 2)
    Conversation.objects.filter(pk=newer.pk).update(sla_rank=0)  # breached, so the most urgent
    # when
    assign_waiting(team_id=team.pk)
    # then
    assert Conversation.objects.get(pk=older.pk).assignee == ann


def test_a_member_removed_from_a_team_gives_back_its_conversations(client, django_capture_on_commit_callbacks):
    # given
    team = make_team("Support")
    ann = make_user(username="ann", teams=[team])
    (conversation,) = _waiting(make_channel(team=team), 1)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=ann)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/teams/{team.pk}/", _settings(team, members=[]))
    # then
    assert Conversation.objects.get(pk=conversation.pk).assignee is None


def test_renaming_to_an_existing_name_says_so(client):
    # given
    make_team("Billing")
    team = make_team("Support")
    # when
    page = client.post(f"/settings/teams/{team.pk}/", _settings(team, name="billing")).content.decode()
    # then
    assert "already a team called billing" in page
    assert Team.objects.get(pk=team.pk).name == "Support"


def test_a_team_with_a_working_channel_is_not_archived_and_the_admin_is_told_which(client):
    # given
    team = make_team("Support")
    make_channel(team=team, name="Support mail")
    # when
    page = client.post(f"/settings/teams/{team.pk}/archive/", follow=True).content.decode()
    # then
    assert "Support mail" in page
    assert Team.objects.get(pk=team.pk).archived_at is None


def test_archiving_keeps_the_conversations_and_stops_auto_assignment(client):
    # given
    team = make_team("Support")
    channel = make_channel(team=team)
    _waiting(channel, 1)
    channel.enabled = False
    channel.save()
    # when
    client.post(f"/settings/teams/{team.pk}/archive/")
    # then
    team.refresh_from_db()
    assert team.archived_at is not None and not team.auto_assign
    assert Conversation.objects.filter(team=team).count() == 1
    assert AuditEntry.objects.filter(kind="team.archived").exists()
