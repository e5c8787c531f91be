"""Delivery, whatever the channel: claim a queued reply once, post it, record what the platform said.

Runs on the simulated channel, whose send is replaced by the platform answer each test needs.
"""

from dataclasses import dataclass, field

import pytest

from channels_app import delivery
from channels_app.base import NotSent, PermanentSendError, SendResult
from channels_app.registry import KINDS
from inbox import ports
from inbox.actions import claim_reply, ingest_message, send_reply
from inbox.models import Conversation, ConversationEvent, DeliveryState, Message
from tests.factories import make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


@dataclass
class Platform:
    """The simulated channel's platform: answers every post with `answer` and counts the posts."""

    answer: Exception | None = None
    posted: list[int] = field(default_factory=list)

    def send(self, connector, message):
        self.posted.append(message.pk)
        if self.answer is not None:
            raise self.answer
        return SendResult(external_id=f"platform-{message.pk}")


@pytest.fixture
def platform(monkeypatch):
    fake = Platform()
    monkeypatch.setattr(KINDS["simulated"].connector, "send", lambda connector, message: fake.send(connector, message))
    return fake


@pytest.fixture
def announced(monkeypatch, settings):
    """The changes announced after commit, as (conversation id, reason), handed straight to this list."""
    seen = []
    settings.REDIS_URL = ""
    worker = ports.ChangeWorker(
        handle=lambda conversation_id, team_id, reason: seen.append((conversation_id, reason)), drain=lambda: None
    )
    monkeypatch.setitem(ports._provided, "change_worker", worker)
    return seen


@pytest.fixture
def reply():
    """A queued reply (its delivery task is not run: these tests call delivery themselves)."""
    team = make_team()
    conversation = Conversation.objects.get(
        pk=ingest_message(inbound=make_inbound(channel=make_channel(team=team))).conversation_id
    )
    return send_reply(
        conversation=conversation, author=make_user(teams=[team]), text="On its way", visibility="public", idempotency_key="d-1"
    )


def test_a_queued_reply_is_claimed_once(reply):
    # given
    first = claim_reply(message_id=reply.pk)
    # when
    second = claim_reply(message_id=reply.pk)
    # then
    assert first is not None and second is None
    assert Message.objects.get(pk=reply.pk).delivery_attempts == 1


def test_a_reply_delivered_twice_is_posted_once(platform, reply):
    # given
    delivery.deliver_message(message_id=reply.pk)
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "skipped"
    assert platform.posted == [reply.pk]
    assert Message.objects.get(pk=reply.pk).external_id == f"platform-{reply.pk}"


def test_a_transient_error_puts_the_reply_back_in_the_queue(platform, reply):
    # given
    platform.answer = NotSent("rate limited", retry_after=30)
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert (outcome.state, outcome.retry_after) == ("retry", 30)
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_state, message.delivery_error) == (DeliveryState.QUEUED, "rate limited")


def test_a_permanent_error_fails_the_reply_with_the_reason(platform, reply):
    # given
    platform.answer = PermanentSendError("duplicate content")
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "failed"
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_state, message.delivery_error) == (DeliveryState.FAILED, "duplicate content")
    assert platform.posted == [reply.pk]


def test_a_failed_reply_is_recorded_and_announced_as_a_delivery_change(
    django_capture_on_commit_callbacks, platform, announced, reply
):
    # given
    platform.answer = PermanentSendError("the customer blocked the page")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery.deliver_message(message_id=reply.pk)
    # then
    event = ConversationEvent.objects.get(conversation_id=reply.conversation_id, kind="reply_failed")
    assert event.data == {"message_id": reply.pk, "reason": "the customer blocked the page"}
    assert announced == [(reply.conversation_id, "delivery")]


def test_a_send_whose_worker_died_is_never_reposted_by_itself_and_shows_outcome_unknown(platform, reply):
    # given: a worker claimed the reply and died mid-send (its task is handed to another worker)
    from datetime import timedelta

    from django.utils import timezone

    from channels_app import tasks

    claim_reply(message_id=reply.pk)
    # when: the redelivered task runs, then the stuck-send sweep after the stuck age
    redelivered = delivery.deliver_message(message_id=reply.pk)
    Message.objects.filter(pk=reply.pk).update(sending_started_at=timezone.now() - timedelta(minutes=11))
    swept = tasks.sweep_stuck_sends()
    # then: nothing posted; the agent sees the outcome is unknown and what to check
    assert redelivered.state == "skipped" and platform.posted == []
    assert swept == 1
    message = Message.objects.get(pk=reply.pk)
    assert message.delivery_state == DeliveryState.UNKNOWN
    assert "Check the channel for this reply before retrying" in message.delivery_error
    assert ConversationEvent.objects.filter(kind="reply_outcome_unknown", conversation=message.conversation).exists()


def test_a_reply_whose_task_cannot_be_published_is_kept_queued_and_sent_once_by_the_sweep(
    platform, django_capture_on_commit_callbacks, monkeypatch
):
    # given: the broker is down when the agent's reply commits
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError as BrokerDown

    from channels_app import tasks

    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    team = make_team()
    conversation = Conversation.objects.get(
        pk=ingest_message(inbound=make_inbound(channel=make_channel(team=team))).conversation_id
    )
    # when: the reply is sent (no error reaches the agent), and the sweep runs before and after its age
    with monkeypatch.context() as patched, django_capture_on_commit_callbacks(execute=True):
        patched.setattr(tasks.deliver_message, "apply_async", broker_down)
        reply = send_reply(
            conversation=conversation, author=make_user(teams=[team]), text="Soon", visibility="public", idempotency_key="p-1"
        )
    published = []
    early = delivery.sweep_unpublished(enqueue=published.append)
    late = delivery.sweep_unpublished(enqueue=published.append, now=timezone.now() + timedelta(minutes=3))
    for message_id in published:
        delivery.deliver_message(message_id=message_id)
    # then: kept, found by the sweep, posted once
    assert (early, late) == (0, 1)
    assert platform.posted == [reply.pk]
    assert Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.SENT
