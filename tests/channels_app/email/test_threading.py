"""Threading: the subject token, and end to end a customer mails (Dovecot), an agent answers (aiosmtpd), the answer's answer comes back."""

import email
import email.policy
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from channels_app.email.connector import EmailConnector
from channels_app.email.threading import base_subject, ticket_number
from inbox.actions import send_reply
from inbox.models import Channel, ChannelKind, Conversation, DeliveryState, Identity, Message
from tests.channels_app.email.mailserver import dovecot, mailbox, smtp_server  # noqa: F401 - pytest fixtures
from tests.factories import make_channel, make_team, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def email_channel(mailbox, **config):  # noqa: F811
    return make_channel(
        kind=ChannelKind.EMAIL,
        name="Support mail",
        config=mailbox.config(**config),
        credentials={"imap_password": mailbox.password},
    )


def test_reply_prefixes_and_ticket_tokens_are_read_from_subjects():
    # when
    subject = "AW: Re: Fwd: Broken kettle [#42]"
    # then
    assert ticket_number(subject) == 42
    assert base_subject(subject) == "Broken kettle"


@pytest.fixture
def answered(mailbox, smtp_server, django_capture_on_commit_callbacks):  # noqa: F811
    """Anna's mail polled from Dovecot and answered by an agent through aiosmtpd."""
    team = make_team()
    channel = make_channel(
        team=team,
        kind=ChannelKind.EMAIL,
        config=mailbox.config(smtp_port=smtp_server.port),
        credentials={"imap_password": mailbox.password},
    )
    mailbox.append((FIXTURES / "plain.eml").read_bytes())
    EmailConnector(channel).poll()
    conversation = Conversation.objects.get(channel=channel)
    with django_capture_on_commit_callbacks(execute=True):
        ours = send_reply(
            conversation=conversation,
            author=make_user(teams=[team]),
            text="It ships today.",
            visibility="private",
            idempotency_key="a1",
        )
    sent = email.message_from_bytes(smtp_server.handler.accepted[0][2], policy=email.policy.default)
    return channel, conversation, Message.objects.get(pk=ours.pk), sent


def answer_to(sent, *, sender: str) -> bytes:
    """What the customer's mail program sends when they press Reply on our mail."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = sent["From"]
    mail["Subject"] = "Re: " + sent["Subject"]
    mail["Message-ID"] = f"<answer-{time.monotonic_ns()}@example.org>"
    mail["In-Reply-To"] = sent["Message-ID"]
    mail["References"] = f"{sent['References']} {sent['Message-ID']}"
    mail.set_content("Great, thank you!\n\nOn Tue, Shop Support wrote:\n> It ships today.\n")
    return bytes(mail)


def poll(channel) -> int:
    return EmailConnector(Channel.objects.get(pk=channel.pk)).poll()


def test_the_customers_reply_to_our_reply_joins_the_conversation(answered, mailbox):  # noqa: F811
    # given
    channel, conversation, ours, sent = answered
    mailbox.append(answer_to(sent, sender="Anna Berg <anna.berg@example.org>"))
    # when
    created = poll(channel)
    # then
    latest = conversation.messages.order_by("-id").first()
    assert created == 1
    assert Conversation.objects.filter(channel=channel).count() == 1
    assert latest.direction == "in"
    assert latest.author_identity_id == conversation.identity_id
    assert latest.raw["matched_by"] == "references"
    assert latest.text.startswith("Great, thank you!")


def test_a_reply_to_our_reply_from_someone_else_is_their_message_not_an_agents(answered, mailbox):  # noqa: F811
    # given
    channel, conversation, ours, sent = answered
    mailbox.append(answer_to(sent, sender="Bob Colleague <bob@example.org>"))
    # when
    poll(channel)
    # then
    latest = conversation.messages.order_by("-id").first()
    assert latest.conversation_id == conversation.pk
    assert latest.direction == "in"
    assert latest.author_user_id is None
    assert latest.author_identity.external_id == "bob@example.org"
    assert latest.author_identity.customer_id != conversation.customer_id


def test_a_bounce_marks_our_reply_failed_with_the_reason(answered, mailbox):  # noqa: F811
    # given
    channel, conversation, ours, sent = answered
    bounce = (FIXTURES / "bounce.eml").read_bytes().replace(b"<our-reply-1@shop.example.com>", ours.external_id.encode())
    mailbox.append(bounce)
    # when
    poll(channel)
    # then
    ours.refresh_from_db()
    report = Message.objects.get(channel=channel, external_id="<bounce-1@mx.shop.example.com>")
    assert ours.delivery_state == DeliveryState.FAILED
    assert "550 5.1.1" in ours.delivery_error and "User unknown" in ours.delivery_error
    assert report.conversation_id == conversation.pk
    assert report.starts_sla is False
    assert conversation.events.filter(kind="bounced").count() == 1


def test_our_own_copy_of_the_reply_in_the_mailbox_is_not_a_second_message(answered, mailbox):  # noqa: F811
    # given
    channel, conversation, ours, sent = answered
    mailbox.append(bytes(sent))
    # when
    created = poll(channel)
    # then
    assert created == 0
    assert conversation.messages.count() == 2


def customer_reply(*, to_message_id: str, sender: str = "Anna Berg <anna.berg@example.org>", subject: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = "support@shop.example.com"
    reply["Subject"] = subject
    reply["Message-ID"] = f"<reply-{time.monotonic_ns()}@mail.example.org>"
    if to_message_id:
        reply["In-Reply-To"] = to_message_id
        reply["References"] = f"<plain-1@mail.example.org> {to_message_id}"
    reply.set_content("Thanks, but it still has not arrived.\n\nOn Tue, Support wrote:\n> We are on it.\n")
    return bytes(reply)


@pytest.mark.django_db
def test_a_ticket_token_in_the_subject_threads_a_mail_without_reply_headers(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("plain.eml"))
    poll(channel)
    conversation = Conversation.objects.get(channel=channel)
    mailbox.append(customer_reply(to_message_id="", subject=f"My order [#{conversation.pk}]"))
    # when
    poll(channel)
    # then
    assert Conversation.objects.filter(channel=channel).count() == 1
    assert conversation.messages.count() == 2


@pytest.mark.django_db
def test_an_unrelated_mail_starts_its_own_conversation(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("plain.eml"))
    mailbox.append(eml("alternative.eml"))
    # when
    poll(channel)
    # then
    assert sorted(Conversation.objects.filter(channel=channel).values_list("thread_key", flat=True)) == [
        "<alt-1@example.net>",
        "<plain-1@mail.example.org>",
    ]
    assert Identity.objects.filter(kind="email").count() == 2
