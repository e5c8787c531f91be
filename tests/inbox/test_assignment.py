"""Automatic assignment: round robin among a team's online agents, within capacity, most urgent first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from inbox.actions import ingest_message, set_conversation_status
from inbox.assignment import assign_for_agent, assign_waiting
from inbox.models import Conversation
from tests.factories import make_channel, make_inbound, make_user

pytestmark = pytest.mark.django_db


def _online(user, capacity=10):
    User.objects.filter(pk=user.pk).update(last_seen_at=timezone.now(), capacity=capacity)


def _waiting(channel, n):
    return [
        Conversation.objects.get(
            pk=ingest_message(
                inbound=make_inbound(channel=channel, thread_key=f"w{i}", at=timezone.now() - timedelta(minutes=n - i))
            ).conversation_id
        )
        for i in range(n)
    ]


def test_auto_assignment_takes_turns_among_online_agents(team):
    # given
    team.auto_assign = True
    team.save()
    alice, bob = make_user(teams=[team]), make_user(teams=[team])
    offline = make_user(teams=[team])
    _online(alice)
    _online(bob)
    conversations = _waiting(make_channel(team=team), 4)
    # when
    assign_waiting(team_id=team.pk)
    # then
    owners = [Conversation.objects.get(pk=c.pk).assignee_id for c in conversations]
    assert owners.count(alice.pk) == 2 and owners.count(bob.pk) == 2
    assert offline.pk not in owners


def test_auto_assignment_respects_capacity_and_hands_out_the_most_urgent_first(team):
    # given
    team.auto_assign = True
    team.save()
    alice = make_user(teams=[team])
    _online(alice, capacity=1)
    conversations = _waiting(make_channel(team=team), 3)
    Conversation.objects.filter(pk=conversations[2].pk).update(sla_state="breached", sla_rank=0)
    # when
    assign_waiting(team_id=team.pk)
    # then
    assigned = list(Conversation.objects.filter(assignee=alice).values_list("pk", flat=True))
    assert assigned == [conversations[2].pk]


def test_resolving_frees_capacity_for_the_next_waiting_conversation(team, django_capture_on_commit_callbacks):
    # given
    team.auto_assign = True
    team.save()
    alice = make_user(teams=[team])
    _online(alice, capacity=1)
    first, second = _waiting(make_channel(team=team), 2)
    assign_waiting(team_id=team.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        set_conversation_status(conversation=Conversation.objects.get(pk=first.pk), status="resolved", actor=alice)
    # then
    assert Conversation.objects.get(pk=second.pk).assignee == alice


def test_a_team_without_auto_assign_is_left_alone(team):
    # given
    alice = make_user(teams=[team])
    _online(alice)
    _waiting(make_channel(team=team), 2)
    # when
    count = assign_waiting(team_id=team.pk)
    # then
    assert count == 0
    assert not Conversation.objects.filter(assignee__isnull=False).exists()


def test_an_agent_coming_online_is_handed_the_waiting_work(team):
    # given
    team.auto_assign = True
    team.save()
    alice = make_user(teams=[team])
    waiting = _waiting(make_channel(team=team), 2)
    _online(alice)
    # when
    count = assign_for_agent(user=alice)
    # then
    assert count == 2
    assert set(Conversation.objects.filter(assignee=alice).values_list("pk", flat=True)) == {c.pk for c in waiting}
