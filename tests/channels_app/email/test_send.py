"""SMTP out against a real aiosmtpd server: threading headers, retries, permanent failures."""

import email
import email.policy
from pathlib import Path

import pytest

from channels_app.base import NotSent
from channels_app.delivery import deliver_message
from channels_app.email.connector import EmailConnector
from inbox import ports
from inbox.actions import send_reply
from inbox.models import Channel, ChannelKind, Conversation, DeliveryState, Message
from tests.channels_app.email.mailserver import free_port, smtp_server  # noqa: F401 - pytest fixture
from tests.factories import make_channel, make_team, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def email_channel(team, smtp_port: int) -> Channel:
    return make_channel(
        team=team,
        kind=ChannelKind.EMAIL,
        config={
            "address": "support@shop.example.com",
            "display_name": "Shop Support",
            "imap_host": "127.0.0.1",
            "imap_port": 1,
            "imap_tls": "plain",
            "imap_user": "agent",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_tls": "plain",
            "smtp_user": "",
            "timeout": 5,
        },
        credentials={"imap_password": "unused"},
    )


@pytest.fixture
def customer_mail(smtp_server):  # noqa: F811
    """A conversation started by plain.eml on a channel whose SMTP server is the test server."""
    team = make_team()
    channel = email_channel(team, smtp_server.port)
    EmailConnector(channel).process_raw((FIXTURES / "plain.eml").read_bytes())
    conversation = Conversation.objects.get(channel=channel)
    return conversation, make_user(teams=[team])


def reply(conversation, agent, captured, text="We have found your parcel.", key="k1", **options) -> Message:
    with captured(execute=True):
        message = send_reply(
            conversation=conversation, author=agent, text=text, visibility="private", idempotency_key=key, options=options
        )
    return Message.objects.get(pk=message.pk)


def test_a_reply_goes_out_threaded_with_our_message_id_and_the_ticket_token(
    customer_mail,
    smtp_server,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    # given
    conversation, agent = customer_mail
    # when
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    # then
    mail_from, rcpt_tos, content = smtp_server.handler.accepted[0]
    sent = email.message_from_bytes(content, policy=email.policy.default)
    assert message.delivery_state == DeliveryState.SENT
    assert sent["Message-ID"] == message.external_id
    assert message.external_id.endswith("@shop.example.com>")
    assert sent["In-Reply-To"] == "<plain-1@mail.example.org>"
    assert sent["References"] == "<plain-1@mail.example.org>"
    assert sent["Subject"] == f"Re: Where is my order #4711? [#{conversation.pk}]"
    assert sent["From"] == "Shop Support <support@shop.example.com>"
    assert (mail_from, rcpt_tos) == ("support@shop.example.com", ["anna.berg@example.org"])
    assert sent.get_body(("plain",)).get_content().strip() == "We have found your parcel."
    assert "<p>We have found your parcel.</p>" in sent.get_body(("html",)).get_content()


def test_a_temporary_smtp_failure_is_retried_and_the_reply_is_sent_once(customer_mail, smtp_server):  # noqa: F811
    # given
    conversation, agent = customer_mail
    smtp_server.handler.answers = ["451 4.3.0 Temporary local problem, try again"]
    message = send_reply(conversation=conversation, author=agent, text="Found it", visibility="private", idempotency_key="t1")
    # when: the worker's first attempt, its retry, and a duplicate of that retry
    first = deliver_message(message_id=message.pk)
    second = deliver_message(message_id=message.pk)
    third = deliver_message(message_id=message.pk)
    # then
    message.refresh_from_db()
    assert (first.state, second.state, third.state) == ("retry", "sent", "skipped")
    assert "451 4.3.0 Temporary local problem" in first.reason
    assert smtp_server.handler.attempts == 2
    assert len(smtp_server.handler.accepted) == 1
    assert message.delivery_state == DeliveryState.SENT
    sent = email.message_from_bytes(smtp_server.handler.accepted[0][2], policy=email.policy.default)
    assert sent["Message-ID"] == message.external_id


def test_a_permanent_smtp_refusal_fails_the_reply_with_the_servers_answer(
    customer_mail,
    smtp_server,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    # given
    conversation, agent = customer_mail
    smtp_server.handler.answers = ["554 5.7.1 Message rejected as spam"]
    # when
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    # then
    assert message.delivery_state == DeliveryState.FAILED
    assert "554 5.7.1 Message rejected as spam" in message.delivery_error
    assert smtp_server.handler.attempts == 1
    assert smtp_server.handler.accepted == []


def test_an_unreachable_smtp_server_is_a_temporary_failure(customer_mail):
    # given
    conversation, agent = customer_mail
    Channel.objects.filter(pk=conversation.channel_id).update(config={**conversation.channel.config, "smtp_port": free_port()})
    # on_commit never runs here, so the reply stays queued until this test sends it
    message = send_reply(conversation=conversation, author=agent, text="Hi", visibility="private", idempotency_key="u1")
    channel = Channel.objects.get(pk=conversation.channel_id)
    # when / then
    with pytest.raises(NotSent, match="unreachable"):
        EmailConnector(channel).send(Message.objects.select_related("conversation__identity").get(pk=message.pk))


def test_a_reply_to_a_later_mail_references_the_whole_thread(
    customer_mail,
    smtp_server,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    # given
    conversation, agent = customer_mail
    first = reply(conversation, agent, django_capture_on_commit_callbacks, key="r1")
    follow_up = (
        b"From: Anna Berg <anna.berg@example.org>\r\nTo: support@shop.example.com\r\n"
        b"Subject: Re: Where is my order #4711?\r\nMessage-ID: <plain-2@mail.example.org>\r\n"
        b"In-Reply-To: " + first.external_id.encode() + b"\r\n"
        b"References: <plain-1@mail.example.org> " + first.external_id.encode() + b"\r\n\r\nStill nothing.\r\n"
    )
    EmailConnector(conversation.channel).process_raw(follow_up)
    # when
    reply(conversation, agent, django_capture_on_commit_callbacks, text="Sorry, resending.", key="r2")
    # then
    sent = email.message_from_bytes(smtp_server.handler.accepted[1][2], policy=email.policy.default)
    assert sent["In-Reply-To"] == "<plain-2@mail.example.org>"
    assert sent["References"].split() == ["<plain-1@mail.example.org>", first.external_id, "<plain-2@mail.example.org>"]


def test_the_composer_shows_the_subject_the_reply_will_have(customer_mail):
    # given
    conversation, _ = customer_mail
    # when
    limits = ports.channels().reply_limits(conversation)
    # then
    assert limits["subject"] == f"Re: Where is my order #4711? [#{conversation.pk}]"
    assert "anna.berg@example.org" in limits["note"]
