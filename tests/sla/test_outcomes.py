"""The clock tells the truth: outcomes follow their evidence (a failed reply, a late message, a pause)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from inbox import actions
from inbox.actions import ingest_message, send_reply, set_conversation_status
from inbox.models import Conversation, ConversationEvent, DeliveryState, Message
from inbox.queue_rendering import queue_row_html
from inbox.queue_selectors import queue_row
from sla.models import SlaEvent
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_policy

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def scored(django_capture_on_commit_callbacks):
    """Run a write and everything it sets off (rescore, delivery) as the worker would after commit."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def _customer_writes(channel, *, author, at, thread_key="t1"):
    result = ingest_message(inbound=make_inbound(channel=channel, thread_key=thread_key, author=author, at=at))
    return Conversation.objects.get(pk=result.conversation_id)


def _outcomes(conversation):
    return sorted(SlaEvent.objects.filter(conversation=conversation).values_list("metric", "outcome"))


def test_a_reply_that_fails_after_it_was_scored_is_withdrawn_and_the_wait_restored(clock, scored):
    # given: the customer wrote at 9:00, the reply at 9:10 was scored as meeting first response
    make_policy(first_response_minutes=30, resolution_minutes=None, next_response_minutes=None)
    team = make_team()
    channel, agent, author = make_channel(team=team), make_user(teams=[team]), make_author()
    conversation = scored(lambda: _customer_writes(channel, author=author, at=T0))
    clock.move_to(T0 + timedelta(minutes=10))
    reply = scored(
        lambda: send_reply(conversation=conversation, author=agent, text="On it", visibility="public", idempotency_key="k")
    )
    assert _outcomes(conversation) == [("first_response", "achieved")]
    # when: at 9:15 the platform reports the reply failed after all
    clock.move_to(T0 + timedelta(minutes=15))
    scored(lambda: actions.record_reply_failed(message=Message.objects.get(pk=reply.pk), reason="blocked"))
    # then: no achievement, the clock runs to its old deadline, the customer is waiting since 9:00
    conversation.refresh_from_db()
    assert _outcomes(conversation) == []
    assert (conversation.sla_state, conversation.sla_due_at) == ("ok", T0 + timedelta(minutes=30))
    assert conversation.waiting_since == T0
    revised = ConversationEvent.objects.get(conversation=conversation, kind="sla_revised")
    assert (revised.data["metric"], revised.data["from"], revised.data["to"]) == ("first_response", "achieved", "running")
    assert "answered" not in queue_row_html(queue_row(conversation_id=conversation.pk, team_ids=[team.pk]))


def test_a_failure_after_the_deadline_turns_the_achievement_into_a_breach(clock, scored):
    # given: achieved at 9:10, against a 9:30 deadline
    make_policy(first_response_minutes=30, resolution_minutes=None, next_response_minutes=None)
    team = make_team()
    channel, agent = make_channel(team=team), make_user(teams=[team])
    conversation = scored(lambda: _customer_writes(channel, author=make_author(), at=T0))
    clock.move_to(T0 + timedelta(minutes=10))
    reply = scored(
        lambda: send_reply(conversation=conversation, author=agent, text="Hi", visibility="public", idempotency_key="k")
    )
    # when: the failure is only known at 9:45
    clock.move_to(T0 + timedelta(minutes=45))
    scored(lambda: actions.record_reply_failed(message=Message.objects.get(pk=reply.pk), reason="Outcome unknown"))
    # then: the breach is counted at its deadline, once
    conversation.refresh_from_db()
    row = SlaEvent.objects.get(conversation=conversation)
    assert (row.outcome, row.happened_at, row.responded_at) == ("breached", T0 + timedelta(minutes=30), None)
    assert conversation.sla_state == "breached"
    assert ConversationEvent.objects.get(conversation=conversation, kind="sla_revised").data["to"] == "breached"


def test_a_bounced_email_reply_is_no_reply(clock, scored):
    # given: an email reply delivered and scored
    make_policy(first_response_minutes=60, resolution_minutes=None, next_response_minutes=None)
    team = make_team()
    channel, agent = make_channel(team=team, config={"flavor": "email"}), make_user(teams=[team])
    conversation = scored(lambda: _customer_writes(channel, author=make_author(kind="sim-email"), at=T0))
    clock.move_to(T0 + timedelta(minutes=5))
    reply = scored(
        lambda: send_reply(conversation=conversation, author=agent, text="Hi", visibility="private", idempotency_key="k")
    )
    assert Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.DELIVERED
    assert _outcomes(conversation) == [("first_response", "achieved")]
    # when
    clock.move_to(T0 + timedelta(minutes=20))
    scored(lambda: actions.record_bounce(channel_id=channel.pk, external_id=f"sim-out-{reply.pk}", reason="mailbox full"))
    # then
    conversation.refresh_from_db()
    assert _outcomes(conversation) == []
    assert conversation.waiting_since == T0
    assert conversation.sla_due_at == T0 + timedelta(minutes=60)


def test_a_later_reply_that_got_through_keeps_the_achievement_it_earned(clock, scored):
    # given: two replies within the target, the first of which fails later
    make_policy(first_response_minutes=30, resolution_minutes=None, next_response_minutes=None)
    team = make_team()
    channel, agent = make_channel(team=team), make_user(teams=[team])
    conversation = scored(lambda: _customer_writes(channel, author=make_author(), at=T0))
    clock.move_to(T0 + timedelta(minutes=5))
    first = scored(
        lambda: send_reply(conversation=conversation, author=agent, text="1", visibility="public", idempotency_key="a")
    )
    clock.move_to(T0 + timedelta(minutes=8))
    scored(lambda: send_reply(conversation=conversation, author=agent, text="2", visibility="public", idempotency_key="b"))
    # when
    clock.move_to(T0 + timedelta(minutes=9))
    scored(lambda: actions.record_reply_failed(message=Message.objects.get(pk=first.pk), reason="deleted"))
    # then
    conversation.refresh_from_db()
    row = SlaEvent.objects.get(conversation=conversation)
    assert (row.outcome, row.responded_at) == ("achieved", T0 + timedelta(minutes=8))
    assert conversation.waiting_since is None


def test_a_late_message_after_resolution_starts_its_cycle_when_it_arrived(clock, scored):
    # given: answered and resolved at 9:20
    make_policy(first_response_minutes=30, resolution_minutes=None, next_response_minutes=None)
    team = make_team()
    channel, agent, author = make_channel(team=team), make_user(teams=[team]), make_author()
    conversation = scored(lambda: _customer_writes(channel, author=author, at=T0))
    clock.move_to(T0 + timedelta(minutes=10))
    scored(lambda: send_reply(conversation=conversation, author=agent, text="Done", visibility="public", idempotency_key="k"))
    clock.move_to(T0 + timedelta(minutes=20))
    scored(lambda: set_conversation_status(conversation=conversation, status="resolved", actor=agent))
    # when: at 11:00 a message arrives that the platform dates 9:25, after the resolution
    clock.move_to(T0 + timedelta(hours=2))
    scored(lambda: _customer_writes(channel, author=author, at=T0 + timedelta(minutes=25)))
    # then: the new cycle is due 30 minutes after 11:00, not already breached
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert (conversation.sla_state, conversation.sla_due_at) == ("ok", T0 + timedelta(hours=2, minutes=30))
    assert conversation.waiting_since == T0 + timedelta(hours=2)
    assert _outcomes(conversation) == [("first_response", "achieved")]


def test_a_pending_conversation_shows_paused_with_the_time_left(clock, scored, client):
    # given: 10 of 30 minutes used, then set pending
    make_policy(first_response_minutes=30, resolution_minutes=None, next_response_minutes=None)
    team = make_team()
    channel, agent = make_channel(team=team), make_user(teams=[team])
    conversation = scored(lambda: _customer_writes(channel, author=make_author(), at=T0))
    clock.move_to(T0 + timedelta(minutes=10))
    # when: pending for an hour
    scored(lambda: set_conversation_status(conversation=conversation, status="pending", actor=agent))
    clock.move_to(T0 + timedelta(minutes=70))
    client.force_login(agent)
    queue = client.get("/").content.decode()
    page = client.get(f"/conversations/{conversation.pk}/").content.decode()
    # then
    row = queue_row_html(queue_row(conversation_id=conversation.pk, team_ids=[team.pk]))
    assert 'class="badge paused">Paused' in row and "20m 0s left" in row
    assert "On track" not in row and "no SLA" not in row
    assert "Paused" in queue and "20m 0s left" in queue
    assert 'class="badge paused">Paused</span> <span class="paused-left">20m 0s left' in page
