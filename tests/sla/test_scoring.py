from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.actions import ingest_message, send_reply, set_conversation_priority, set_conversation_status
from inbox.models import Conversation, ConversationEvent
from sla.models import SlaClock, SlaEvent
from sla.scoring import detect_due, evaluate_conversation, match_policy
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_policy

pytestmark = pytest.mark.django_db


def _conversation(**inbound):
    team = make_team()
    channel = make_channel(team=team, config={"flavor": "x"})
    result = ingest_message(inbound=make_inbound(channel=channel, **inbound))
    return Conversation.objects.get(pk=result.conversation_id)


def test_the_most_specific_policy_wins_and_the_default_covers_the_rest():
    # given
    default = make_policy(name="Default")
    public_x = make_policy(name="X public", channel_kind="x", visibility="public")
    urgent_x = make_policy(name="X urgent", channel_kind="x", visibility="public", priority="urgent")
    conversation = _conversation()
    email = make_channel(config={"flavor": "email"})
    email_conversation = Conversation.objects.get(pk=ingest_message(inbound=make_inbound(channel=email)).conversation_id)
    # when
    normal = match_policy(conversation=conversation)
    conversation.priority = "urgent"
    urgent = match_policy(conversation=conversation)
    other = match_policy(conversation=email_conversation)
    # then
    assert (normal, urgent, other) == (public_x, urgent_x, default)


def test_ingest_stores_the_due_time_on_the_conversation(django_capture_on_commit_callbacks):
    # given
    make_policy(first_response_minutes=30)
    sent = timezone.now()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        conversation = _conversation(at=sent)
    # then
    conversation.refresh_from_db()
    assert conversation.sla_due_at == sent + timedelta(minutes=30)
    assert conversation.sla_warning_at == sent + timedelta(minutes=24)
    assert conversation.sla_state == "ok"
    assert SlaClock.objects.get(conversation=conversation).first_response_due_at == sent + timedelta(minutes=30)


def test_a_reply_achieves_first_response_once_even_when_scored_again(django_capture_on_commit_callbacks):
    # given
    make_policy(first_response_minutes=30)
    conversation = _conversation(at=timezone.now() - timedelta(minutes=5))
    agent = make_user(teams=[conversation.team])
    with django_capture_on_commit_callbacks(execute=True):
        send_reply(conversation=conversation, author=agent, text="Hi!", visibility="public", idempotency_key="r1")
    # when
    evaluate_conversation(conversation_id=conversation.pk, now=timezone.now())
    evaluate_conversation(conversation_id=conversation.pk, now=timezone.now())
    # then
    events = SlaEvent.objects.filter(conversation=conversation, metric="first_response")
    assert [(e.outcome, e.cycle) for e in events] == [("achieved", 1)]
    assert 290 <= events[0].wall_seconds <= 320


def test_an_internal_note_does_not_satisfy_first_response(django_capture_on_commit_callbacks):
    # given
    from inbox.actions import add_note

    make_policy(first_response_minutes=30)
    conversation = _conversation()
    agent = make_user(teams=[conversation.team])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        add_note(conversation=conversation, author=agent, text="checking with the warehouse")
    evaluate_conversation(conversation_id=conversation.pk, now=timezone.now())
    # then
    assert not SlaEvent.objects.filter(metric="first_response").exists()
    assert SlaClock.objects.get(conversation=conversation).first_response_due_at is not None


def test_detection_flags_a_breach_once_and_records_it(django_capture_on_commit_callbacks):
    # given
    make_policy(first_response_minutes=30)
    sent = timezone.now() - timedelta(minutes=40)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = _conversation(at=sent)
    # when
    detect_due(now=timezone.now())
    detect_due(now=timezone.now())
    # then
    conversation.refresh_from_db()
    assert conversation.sla_state == "breached" and conversation.sla_rank == 0
    assert SlaEvent.objects.get(metric="first_response").outcome == "breached"
    assert ConversationEvent.objects.filter(conversation=conversation, kind="sla_breached").count() == 1


def test_pending_pauses_and_reopening_resumes_with_the_time_left(django_capture_on_commit_callbacks):
    # given
    make_policy(first_response_minutes=30)
    conversation = _conversation(at=timezone.now() - timedelta(minutes=10))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        set_conversation_status(conversation=conversation, status="pending", actor=None)
    paused = SlaClock.objects.get(conversation=conversation)
    with django_capture_on_commit_callbacks(execute=True):
        set_conversation_status(conversation=conversation, status="open", actor=None)
    resumed = SlaClock.objects.get(conversation=conversation)
    # then
    assert paused.paused and paused.first_response_due_at is None
    remaining = resumed.first_response_due_at - timezone.now()
    assert timedelta(minutes=19) < remaining <= timedelta(minutes=20)


def test_raising_the_priority_applies_the_urgent_target(django_capture_on_commit_callbacks):
    # given
    make_policy(channel_kind="x", first_response_minutes=30)
    make_policy(channel_kind="x", priority="urgent", first_response_minutes=15)
    sent = timezone.now()
    conversation = _conversation(at=sent)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        set_conversation_priority(conversation=conversation, priority="urgent", actor=None)
    # then
    conversation.refresh_from_db()
    assert conversation.sla_due_at == sent + timedelta(minutes=15)


def test_a_late_delivered_message_that_reopens_a_conversation_starts_a_new_cycle(django_capture_on_commit_callbacks):
    # given: answered and resolved, then a message with an older platform time arrives
    make_policy(first_response_minutes=30)
    sent = timezone.now() - timedelta(hours=3)
    conversation = _conversation(at=sent, thread_key="late")
    agent = make_user(teams=[conversation.team])
    send_reply(conversation=conversation, author=agent, text="Done", visibility="public", idempotency_key="late-1")
    set_conversation_status(conversation=conversation, status="resolved", actor=agent)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        ingest_message(
            inbound=make_inbound(
                channel=conversation.channel,
                thread_key="late",
                at=sent - timedelta(minutes=5),
                author=make_author(external_id=conversation.identity.external_id),
            )
        )
    # then
    clock = SlaClock.objects.get(conversation=conversation)
    assert clock.cycle == 2
    assert clock.first_response_due_at > timezone.now() + timedelta(minutes=29)


def test_a_message_stamped_in_the_future_by_the_platform_still_starts_the_clock(django_capture_on_commit_callbacks):
    # given: the platform's clock runs a minute ahead of ours
    make_policy(first_response_minutes=30)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        conversation = _conversation(at=timezone.now() + timedelta(minutes=1))
    # then
    conversation.refresh_from_db()
    assert conversation.sla_state == "ok"
    assert conversation.sla_due_at < timezone.now() + timedelta(minutes=31)
