"""Rules on a customer's message: the default complaint rules, conditions, actions, idempotency."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from automation import engine
from automation.models import Rule, RuleRun, Trigger
from inbox import followups, ports
from inbox.actions import ingest_message, set_conversation_priority
from inbox.models import Conversation, ConversationEvent, Message, Notification, Priority
from inbox.queue_rendering import queue_row_html
from sla.rescoring import sweep_unscored
from tests.factories import make_author, make_inbound

pytestmark = pytest.mark.django_db


def _rule_events(conversation, kind="priority"):
    return list(ConversationEvent.objects.filter(conversation=conversation, kind=kind, data__has_key="rule"))


def test_a_loud_first_complaint_is_raised_to_urgent_with_its_reason_and_the_supervisor_is_told(write, supervisor, agent, policy):
    # given the default rules (seeded by the migration), and a customer with 48,200 followers
    # when they complain publicly for the first time
    conversation = write("This is the worst service ever. Three weeks and still no refund!", followers=48_200)
    # then
    assert conversation.priority == Priority.URGENT
    (event,) = _rule_events(conversation)
    assert event.data["summary"] == "Priority raised to Urgent"
    assert event.data["rule"] == "Loud first complaint"
    assert event.data["because"] == "first complaint, 48,200 followers"
    assert conversation.priority_reason == "first complaint · 48k followers"
    row = queue_row_html(conversation)
    assert 'class="why">first complaint</span>' in row and 'class="why">48k followers</span>' in row
    (told,) = Notification.objects.filter(user=supervisor)
    assert told.kind == "rule" and "Loud first complaint" in told.text
    assert not Notification.objects.filter(user=agent).exists()


def test_a_customer_who_complained_before_gets_high_not_urgent(write, supervisor, policy):
    # given a customer who already complained (in another conversation, long resolved)
    write("Your app is broken and useless.", followers=48_200, thread_key="old")
    # when they complain again elsewhere
    conversation = write("Still waiting for my refund, this is unacceptable", followers=48_200, thread_key="new")
    # then the public-complaint rule applies, the loud-first one does not
    assert conversation.priority == Priority.HIGH
    (event,) = _rule_events(conversation)
    assert event.data["rule"] == "Public complaint"
    assert event.data["because"] == "complaint"
    assert Notification.objects.filter(user=supervisor).count() == 1  # only for the first one


def test_a_small_account_complaining_gets_high_and_a_question_stays_normal(write, policy):
    complaint = write("Absolutely disgusting customer service, I hate this", followers=120, thread_key="a")
    question = write("Hi! What are your opening hours on Saturday?", followers=90_000, external_id="c2", thread_key="b")
    assert complaint.priority == Priority.HIGH
    assert question.priority == Priority.NORMAL
    assert question.priority_reason == ""


def test_a_private_complaint_is_not_a_public_one(write, policy):
    conversation = write("This is a scam, I want my money back. Terrible.", followers=50_000, visibility="private")
    assert conversation.priority == Priority.NORMAL


def test_rules_never_lower_a_priority(write, policy):
    Rule.objects.create(name="Low for spam", trigger=Trigger.MESSAGE, text_contains="casino", set_priority="low")
    conversation = write("Your app is broken! Also visit my casino", followers=10)
    assert conversation.priority == Priority.HIGH


def test_running_the_message_task_twice_applies_each_rule_once(write, supervisor, policy):
    # given a loud first complaint that has been handled
    conversation = write("Worst airline ever. Never again.", followers=20_000)
    before = (RuleRun.objects.count(), ConversationEvent.objects.count(), Notification.objects.count())
    # when the change task is retried (a lost ack, a redelivery) and the rules' flag is lost too
    from automation.models import MessageSignal

    MessageSignal.objects.update(rules_done=False)
    engine.changed(conversation.pk, "message")
    engine.message_arrived(conversation_id=conversation.pk)
    # then nothing is applied, recorded or told twice
    assert (RuleRun.objects.count(), ConversationEvent.objects.count(), Notification.objects.count()) == before
    assert RuleRun.objects.filter(conversation=conversation).count() == 2  # both default rules ran once


def test_conditions_text_first_contact_and_tag(write, team, agent, policy):
    Rule.objects.create(
        name="Billing to Alice",
        trigger=Trigger.MESSAGE,
        text_contains="invoice, charged",
        first_contact="yes",
        add_tag="billing",
        assign_agent=agent,
    )
    conversation = write("Hello, question about my INVOICE please", followers=None)
    assert [t.name for t in conversation.tags.all()] == ["billing"]
    assert conversation.assignee == agent
    assigned = ConversationEvent.objects.get(conversation=conversation, kind="assigned")
    assert assigned.data["because"] == 'mentions "invoice", first contact'
    (told,) = Notification.objects.filter(user=agent, kind="assigned")
    assert "Billing to Alice" in told.text
    # a second conversation of the same customer is no first contact
    again = write("Another invoice question", thread_key="second")
    assert not again.tags.exists()


def test_rules_run_in_position_order_and_later_ones_see_earlier_ones_work(write, policy):
    from inbox.actions import find_or_create_tag

    refund = find_or_create_tag(name="Refund")
    Rule.objects.create(name="Refund tag to high", position=2, trigger=Trigger.MESSAGE, tag=refund, set_priority="high")
    Rule.objects.create(name="Tag refunds", position=1, trigger=Trigger.MESSAGE, text_contains="refund", add_tag="refund")
    conversation = write("Could I get a refund for order 12?")
    assert [t.name for t in conversation.tags.all()] == ["Refund"]
    assert conversation.priority == Priority.HIGH


def test_a_disabled_rule_does_nothing(write, policy):
    Rule.objects.update(enabled=False)
    conversation = write("Worst service ever, you are useless", followers=99_000)
    assert conversation.priority == Priority.NORMAL
    assert not RuleRun.objects.exists()


@pytest.mark.skipif(not settings.REDIS_URL, reason="the change list lives in Redis; without it each change runs at once")
def test_a_complaint_coalesced_with_a_later_change_still_runs_the_message_rules(
    monkeypatch, settings, write, supervisor, agent, policy, committed
):
    # given a customer's question, then the worker falls behind: changes wait on a list of this test's own
    settings.PARLEY_RUN_ID = f"{settings.PARLEY_RUN_ID}-coalesce-{uuid.uuid4().hex[:8]}"
    write("Where is my order?", followers=48_200)
    monkeypatch.setitem(ports._provided, "change_worker", ports.ChangeWorker(handle=followups.handle, drain=lambda: None))
    conversation = write("Worst service ever, never again", followers=48_200)
    assert conversation.priority == Priority.NORMAL  # nothing has run yet
    # when an agent changes the conversation before the worker gets to the message
    with committed():
        set_conversation_priority(conversation=conversation, priority=Priority.LOW, actor=agent)
    followups.drain()
    # then the message's rules ran in that one pass all the same
    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT
    assert Notification.objects.filter(user=supervisor, kind="rule").count() == 1


def test_a_complaint_whose_hand_off_was_lost_is_ruled_on_by_the_sweep_once(settings, supervisor, policy, channel):
    # given a loud complaint whose announced change never reached the worker (its after-commit
    # callback does not run in this test transaction, as with Redis down)
    settings.REDIS_URL = ""
    author = make_author(external_id="cust-lost", follower_count=48_200, handle="@loud")
    inbound = make_inbound(channel=channel, text="Worst service ever, never again", author=author, thread_key="lost")
    conversation_id = ingest_message(inbound=inbound).conversation_id
    # and an old conversation whose newest customer message came before the sweep's window
    old = ingest_message(inbound=make_inbound(channel=channel, text="Terrible, unacceptable", thread_key="old"))
    Message.objects.filter(conversation_id=old.conversation_id).update(received_time=timezone.now() - timedelta(hours=1))
    # when the beat sweep finds them unscored, twice
    sweep_unscored()
    sweep_unscored()
    # then the complaint's rules ran once; the old message's never
    assert Conversation.objects.get(pk=conversation_id).priority == Priority.URGENT
    assert Notification.objects.filter(user=supervisor, kind="rule").count() == 1
    assert Conversation.objects.get(pk=old.conversation_id).priority == Priority.NORMAL


def test_two_messages_in_one_pass_are_each_ruled_on_but_not_those_from_before_the_rules(
    monkeypatch, settings, supervisor, policy, channel
):
    # given the worker is behind (each change's hand-off does nothing) while a loud customer writes twice
    settings.REDIS_URL = ""
    monkeypatch.setitem(ports._provided, "change_worker", ports.ChangeWorker(handle=lambda *a: None, drain=lambda: None))
    author = make_author(external_id="cust-twice", follower_count=48_200, handle="@loud")
    for text in ("Worst service ever, never again", "Hello??"):
        conversation_id = ingest_message(
            inbound=make_inbound(channel=channel, text=text, author=author, thread_key="twice")
        ).conversation_id
    # and another conversation whose complaint came an hour ago, before there were rules, then a question now
    old_author = make_author(external_id="cust-old", follower_count=48_200, handle="@old")
    old_id = ingest_message(
        inbound=make_inbound(channel=channel, text="Terrible, unacceptable", author=old_author, thread_key="old")
    ).conversation_id
    Message.objects.filter(conversation_id=old_id).update(received_time=timezone.now() - timedelta(hours=1))
    ingest_message(inbound=make_inbound(channel=channel, text="Where is my order?", author=old_author, thread_key="old"))
    # when the worker gets to each conversation once
    engine.message_arrived(conversation_id=conversation_id)
    engine.message_arrived(conversation_id=old_id)
    # then the complaint, not only the newest message, was ruled on
    assert Conversation.objects.get(pk=conversation_id).priority == Priority.URGENT
    assert Notification.objects.filter(user=supervisor, kind="rule").count() == 1
    assert Conversation.objects.get(pk=old_id).priority == Priority.NORMAL
    # and a retry changes nothing
    assert engine.message_arrived(conversation_id=conversation_id) == 0
