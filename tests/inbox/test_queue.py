"""The queue: urgency order, filters, keyset pages, maintained counts, fixed query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbox import queue_selectors
from inbox.actions import assign_conversation, set_conversation_priority, set_conversation_status
from inbox.models import Conversation, QueueCounter
from tests.factories import make_channel, make_user
from tests.inbox.queue_builders import queued_conversation, set_sla

pytestmark = pytest.mark.django_db


def test_the_queue_lists_breached_first_then_by_sla_due_then_longest_waiting(team, channel):
    # given
    later_due = queued_conversation(channel, text="later due")
    sooner_due = queued_conversation(channel, text="sooner due")
    breached = queued_conversation(channel, text="breached")
    no_sla_long_wait = queued_conversation(channel, text="no sla, long wait", waited_minutes=90)
    no_sla_short_wait = queued_conversation(channel, text="no sla, short wait", waited_minutes=5)
    set_sla(later_due, state="ok", due_in_minutes=60)
    set_sla(sooner_due, state="at_risk", due_in_minutes=10)
    set_sla(breached, state="breached", due_in_minutes=-5)
    agent = make_user(teams=[team])
    # when
    page = queue_selectors.queue_rows(user=agent, filters=queue_selectors.QueueFilters())
    # then
    assert [c.pk for c in page.rows] == [breached.pk, sooner_due.pk, later_due.pk, no_sla_long_wait.pk, no_sla_short_wait.pk]


def test_the_next_page_continues_where_the_first_ended_without_repeats(team, channel):
    # given
    conversations = [queued_conversation(channel, text=f"c{i}", waited_minutes=i) for i in range(7)]
    agent = make_user(teams=[team])
    # when
    first = queue_selectors.queue_rows(user=agent, filters=queue_selectors.QueueFilters(), limit=3)
    second = queue_selectors.queue_rows(user=agent, filters=queue_selectors.QueueFilters(), after=first.next_cursor, limit=3)
    third = queue_selectors.queue_rows(user=agent, filters=queue_selectors.QueueFilters(), after=second.next_cursor, limit=3)
    # then
    seen = [c.pk for c in first.rows + second.rows + third.rows]
    assert seen == [c.pk for c in sorted(conversations, key=lambda c: c.waiting_since)]
    assert third.next_cursor is None


def test_the_queue_query_uses_no_offset(client, team, channel):
    # given
    for i in range(3):
        queued_conversation(channel, text=f"c{i}", waited_minutes=i)
    agent = make_user(teams=[team])
    client.force_login(agent)
    first = queue_selectors.queue_rows(user=agent, filters=queue_selectors.QueueFilters(), limit=1)
    # when
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("inbox:queue"), {"after": first.next_cursor})
    # then
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)


def test_the_queue_view_query_count_does_not_grow_with_rows(client, django_assert_num_queries, team, channel):
    # given
    agent = make_user(teams=[team])
    client.force_login(agent)
    queued_conversation(channel, text="only one")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("inbox:queue"))
    for i in range(30):
        queued_conversation(make_channel(team=team), text=f"more {i}", name=f"Customer {i}")
    # when / then
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("inbox:queue"))
    assert response.content.count(b'class="row ') == 31


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"scope": "mine"}, {"mine"}),
        ({"scope": "unassigned"}, {"theirs-none", "urgent", "pending", "other channel"}),
        ({"priority": "urgent"}, {"urgent"}),
        ({"status": "pending"}, {"pending"}),
        ({}, {"mine", "theirs-none", "urgent", "pending", "other channel"}),
    ],
)
def test_the_filters_narrow_the_queue(client, team, channel, params, expected):
    # given
    agent = make_user(teams=[team])
    mine = queued_conversation(channel, text="mine")
    queued_conversation(channel, text="theirs-none")
    urgent = queued_conversation(channel, text="urgent")
    pending = queued_conversation(channel, text="pending")
    queued_conversation(make_channel(team=team, name="Mail"), text="other channel")
    queued_conversation(channel, text="resolved")
    assign_conversation(conversation=mine, assignee=agent, actor=agent)
    set_conversation_priority(conversation=urgent, priority="urgent", actor=agent)
    set_conversation_status(conversation=pending, status="pending", actor=agent)
    set_conversation_status(
        conversation=Conversation.objects.get(last_message_preview="resolved"), status="resolved", actor=agent
    )
    client.force_login(agent)
    # when
    response = client.get(reverse("inbox:queue"), params)
    # then
    shown = {c.last_message_preview for c in response.context["page"].rows}
    assert shown == expected


def test_the_channel_filter_shows_only_that_channel(client, team, channel):
    # given
    agent = make_user(teams=[team])
    mail = make_channel(team=team, name="Mail", config={"flavor": "email"})
    queued_conversation(channel, text="on x")
    queued_conversation(mail, text="by mail")
    client.force_login(agent)
    # when
    response = client.get(reverse("inbox:queue"), {"channel": mail.pk})
    # then
    assert [c.last_message_preview for c in response.context["page"].rows] == ["by mail"]


def test_counts_follow_new_assigned_and_resolved_conversations_without_counting(client, team, channel):
    # given
    agent = make_user(teams=[team])
    first = queued_conversation(channel, text="one")
    queued_conversation(channel, text="two")
    resolved = queued_conversation(channel, text="three")
    assign_conversation(conversation=first, assignee=agent, actor=agent)
    set_conversation_status(conversation=resolved, status="resolved", actor=agent)
    client.force_login(agent)
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("inbox:queue"))
    # then
    counts = response.context["counts"]
    assert (counts.scope, counts.total) == ({"all": 2, "mine": 1, "unassigned": 1}, 2)
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_counters_stay_right_when_a_conversation_moves_between_states(team, channel):
    # given
    agent = make_user(teams=[team])
    conversation = queued_conversation(channel)
    # when
    assign_conversation(conversation=conversation, assignee=agent, actor=agent)
    set_conversation_priority(conversation=conversation, priority="high", actor=agent)
    set_conversation_status(conversation=conversation, status="pending", actor=agent)
    # then
    live = {(c.status, c.priority, c.assignee_id, c.n) for c in QueueCounter.objects.filter(team_id=team.pk, n__gt=0)}
    assert live == {("pending", "high", agent.pk, 1)}
