"""SMTP against a real aiosmtpd that takes the mail and answers 250 after the client's timeout:
the mail is handed over once and the reply is "outcome unknown"; a refused connection is retried."""

from __future__ import annotations

import pytest

from bench.fault_servers import LateSmtpServer, free_port
from channels_app import delivery
from channels_app.email.connector import EmailConnector
from inbox.actions import send_reply
from inbox.models import Conversation, DeliveryState, Message
from tests.channels_app.email.test_send import FIXTURES, email_channel
from tests.factories import make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def queued_reply(smtp_port: int, *, timeout: float = 5) -> Message:
    team = make_team()
    channel = email_channel(team, smtp_port)
    channel.config["timeout"] = timeout
    channel.save(update_fields=["config"])
    EmailConnector(channel).process_raw((FIXTURES / "plain.eml").read_bytes())
    conversation = Conversation.objects.get(channel=channel)
    return send_reply(
        conversation=conversation,
        author=make_user(teams=[team]),
        text="We have found your parcel.",
        visibility="private",
        idempotency_key="late-1",
    )


def test_smtp_that_answers_250_after_the_clients_timeout_gets_the_mail_once():
    # given: the client waits 1 s; the server keeps the mail and answers after 2.5 s
    with LateSmtpServer(delay=2.5) as smtp:
        reply = queued_reply(smtp.port, timeout=1)
        # when: delivery runs, and its task is delivered again
        first = delivery.deliver_message(message_id=reply.pk)
        second = delivery.deliver_message(message_id=reply.pk)
        accepted = len(smtp.accepted)
    # then
    assert (first.state, second.state) == ("unknown", "skipped")
    message = Message.objects.get(pk=reply.pk)
    assert message.delivery_state == DeliveryState.UNKNOWN
    assert "took the mail's text" in message.delivery_error
    assert "Sent folder" in message.delivery_error
    assert accepted == 1


def test_smtp_refused_before_data_is_retried():
    # given: nothing listens on the SMTP port
    reply = queued_reply(free_port())
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "retry"
    message = Message.objects.get(pk=reply.pk)
    assert message.delivery_state == DeliveryState.QUEUED
    assert "unreachable" in message.delivery_error
