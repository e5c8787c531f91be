"""The simulated connector: polls bring Poisson arrivals through ingest, replies are delivered at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from channels_app import delivery
from channels_app.simulated.connector import SimulatedConnector
from inbox import ports
from inbox.actions import ingest_message, send_reply
from inbox.models import Conversation, DeliveryState, Message
from inbox.ports import ReplyRefused
from tests.factories import make_channel, make_inbound, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_simulated(*, flavor: str = "x", rate_per_minute: float, last_tick: datetime, seq: int = 0):
    channel = make_channel(config={"flavor": flavor, "rate_per_minute": rate_per_minute})
    channel.cursor = {"seq": seq, "last_tick": last_tick.isoformat()}
    channel.save(update_fields=["cursor"])
    return channel


def conversation_on(channel):
    return Conversation.objects.get(pk=ingest_message(inbound=make_inbound(channel=channel)).conversation_id)


def test_a_poll_ingests_the_minutes_arrivals_and_then_moves_the_cursor(frozen):
    # given
    channel = make_simulated(rate_per_minute=600, last_tick=NOW - timedelta(minutes=1), seq=10)
    # when
    created = SimulatedConnector(channel).poll()
    # then
    channel.refresh_from_db()
    stored = set(Message.objects.filter(channel=channel).values_list("external_id", flat=True))
    assert created > 0
    assert stored == {f"sim-{channel.pk}-{n}" for n in range(11, 11 + created)}
    assert channel.cursor == {"seq": 10 + created, "last_tick": NOW.isoformat()}


def test_a_channel_with_no_traffic_only_moves_its_clock(frozen):
    # given
    channel = make_simulated(rate_per_minute=0, last_tick=NOW - timedelta(minutes=1), seq=4)
    # when
    created = SimulatedConnector(channel).poll()
    # then
    channel.refresh_from_db()
    assert created == 0
    assert not Message.objects.filter(channel=channel).exists()
    assert channel.cursor == {"seq": 4, "last_tick": NOW.isoformat()}


def test_a_reply_is_delivered_at_once():
    # given
    channel = make_channel(config={"flavor": "facebook"})
    conversation = conversation_on(channel)
    agent = make_user(teams=[channel.team])
    reply = send_reply(conversation=conversation, author=agent, text="On it!", visibility="public", idempotency_key="sim-1")
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    reply.refresh_from_db()
    assert outcome.state == "sent"
    assert (reply.delivery_state, reply.external_id) == (DeliveryState.DELIVERED, f"sim-out-{reply.pk}")


def test_a_public_reply_on_a_simulated_x_channel_has_280_characters():
    # given
    conversation = conversation_on(make_channel(config={"flavor": "x"}))
    # when
    with pytest.raises(ReplyRefused) as refused:
        ports.channels().check_reply(conversation, text="a" * 281, visibility="public", options={})
    # then
    assert str(refused.value) == "A public X reply has at most 280 characters as X counts them; this one has 281."
    assert SimulatedConnector(conversation.channel).reply_limits(conversation)["max_chars"] == 280


def test_simulated_mail_has_no_length_limit_and_only_private_replies():
    # given
    conversation = conversation_on(make_channel(config={"flavor": "email"}))
    # when
    ports.channels().check_reply(conversation, text="a" * 5000, visibility="private", options={})
    limits = SimulatedConnector(conversation.channel).reply_limits(conversation)
    # then
    assert "max_chars" not in limits
    assert limits["visibilities"] == ["private"]
    with pytest.raises(ReplyRefused, match="no public reply by email"):
        ports.channels().check_reply(conversation, text="hi", visibility="public", options={})
