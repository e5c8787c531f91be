"""The queue's markup: one row as the page and the live socket show it, filters read from a query."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from inbox.actions import assign_conversation
from inbox.queue_rendering import filters_from, render_queue_row, ws_query
from tests.factories import make_team, make_user
from tests.inbox.queue_builders import queued_conversation, set_sla

pytestmark = pytest.mark.django_db


def test_a_row_shows_channel_visibility_customer_first_line_wait_and_sla_in_words(client, team, channel):
    # given
    conversation = queued_conversation(
        channel, text="Parcel never came\nsecond line here", waited_minutes=42, name="Ada Lovelace", handle="@ada"
    )
    set_sla(conversation, state="at_risk", due_in_minutes=3)
    client.force_login(make_user(teams=[team]))
    # when
    html = client.get(reverse("inbox:queue")).content.decode()
    # then
    for text in ("X support", "Public", "Ada Lovelace", "@ada", "Parcel never came", "At risk", "data-since=", "data-due="):
        assert text in html
    assert "second line here" not in html


def test_a_breached_row_says_breached(client, team, channel):
    # given
    set_sla(queued_conversation(channel), state="breached", due_in_minutes=-30)
    client.force_login(make_user(teams=[team]))
    # when
    html = client.get(reverse("inbox:queue")).content.decode()
    # then
    assert "Breached" in html


def test_the_live_row_is_the_row_the_page_shows(client, team, channel):
    # given
    conversation = queued_conversation(channel, text="Same markup both ways", name="Ada Lovelace")
    set_sla(conversation, state="at_risk", due_in_minutes=3)
    agent = make_user(teams=[team])
    client.force_login(agent)
    with time_machine.travel(timezone.now(), tick=False):
        page = client.get(reverse("inbox:queue")).content.decode()
        # when
        pushed = render_queue_row(user=agent, conversation_id=conversation.pk)
    # then
    assert (pushed["kind"], pushed["id"]) == ("row", conversation.pk)
    assert pushed["html"] in page


def test_a_conversation_of_another_team_renders_as_a_removal(team, channel):
    # given
    conversation = queued_conversation(channel)
    outsider = make_user(teams=[make_team("Elsewhere")])
    # when
    pushed = render_queue_row(user=outsider, conversation_id=conversation.pk)
    # then
    assert pushed == {"kind": "remove", "id": conversation.pk}


def test_a_row_that_no_longer_matches_the_filters_renders_as_a_removal(team, channel):
    # given
    agent, other = make_user(teams=[team]), make_user(teams=[team])
    conversation = queued_conversation(channel)
    assign_conversation(conversation=conversation, assignee=other, actor=other)
    # when
    pushed = render_queue_row(user=agent, conversation_id=conversation.pk, filters=filters_from({"scope": "mine"}))
    # then
    assert pushed == {"kind": "remove", "id": conversation.pk}


def test_filters_ignore_what_they_do_not_know_and_the_socket_url_keeps_the_rest():
    # given
    params = {"scope": "everything", "channel": "7", "priority": "sky-high", "status": "pending"}
    # when
    filters = filters_from(params)
    # then
    assert (filters.scope, filters.channel_id, filters.priority, filters.status) == ("all", 7, "", "pending")
    assert ws_query(filters) == "/ws/queue/?channel=7&status=pending"
