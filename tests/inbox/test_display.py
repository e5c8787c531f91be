"""The workspace's words: timeline sentences with display names, times in the reader's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from inbox import display
from inbox.actions import assign_conversation, ingest_message, merge_customers, set_conversation_priority, set_conversation_status
from inbox.models import Conversation, ConversationEvent
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    channel = make_channel(team=make_team("Support"), name="X support")
    inbound = make_inbound(channel=channel, author=make_author(display_name="Maria Khan", handle="@maria"))
    return Conversation.objects.get(pk=ingest_message(inbound=inbound).conversation_id)


def _sentences(conversation):
    events = list(ConversationEvent.objects.filter(conversation=conversation).select_related("actor").order_by("id"))
    return [e.text for e in display.timeline_entries(events)]


def test_timeline_entries_are_sentences_with_display_names_not_usernames(conversation):
    # given
    alice = make_user(teams=[conversation.team], username="alice")
    alice.first_name, alice.last_name = "Alice", "Berg"
    alice.save()
    bob = make_user(teams=[conversation.team], username="bob")
    bob.first_name = "Bob"
    bob.save()
    # when
    assign_conversation(conversation=conversation, assignee=bob, actor=alice)
    assign_conversation(conversation=conversation, assignee=alice, actor=alice)
    set_conversation_priority(conversation=conversation, priority="high", actor=alice)
    set_conversation_status(conversation=conversation, status="resolved", actor=alice)
    # then
    assert _sentences(conversation) == [
        "Conversation started on X support",
        "Alice Berg assigned it to Bob",
        "Alice Berg took it",
        "Priority set to High by Alice Berg",
        "Resolved by Alice Berg",
    ]


def test_sla_entries_name_the_target_in_words(conversation):
    # given
    ConversationEvent.objects.create(
        conversation=conversation, kind="sla_breached", data={"metric": "first_response"}, created_at=timezone.now()
    )
    ConversationEvent.objects.create(
        conversation=conversation, kind="sla_achieved", data={"metric": "next_response"}, created_at=timezone.now()
    )
    # when
    sentences = _sentences(conversation)
    # then
    assert sentences[-2:] == ["First response target missed (SLA breached)", "Next response target met"]
    assert not any("_" in s for s in sentences)


def test_a_merge_names_both_customers(conversation):
    # given
    other_channel = make_channel(team=conversation.team)
    other = Conversation.objects.get(
        pk=ingest_message(
            inbound=make_inbound(channel=other_channel, author=make_author(display_name="M. Khan", handle="@mk"))
        ).conversation_id
    )
    # when
    merge_customers(source=other.customer, target=conversation.customer, actor=None)
    # then
    assert _sentences(other)[-1] == f"{other.customer.name} merged into {conversation.customer.name}"


def test_times_are_in_the_readers_zone_with_the_zone_named():
    moment = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 7, 3, 9, 0, tzinfo=UTC), tick=False):
        with timezone.override("Europe/Stockholm"):
            assert display.when(moment) == "Wed 1 Jul 14:30 CEST"
            assert display.when(moment, "time") == "14:30 CEST"
        with timezone.override("America/New_York"):
            assert display.when(moment, "full") == "2026-07-01 08:30 EDT"


def test_counts_are_singular_for_one():
    assert [display.count(n, "character") for n in (0, 1, 2)] == ["0 characters", "1 character", "2 characters"]
