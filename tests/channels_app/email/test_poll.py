"""IMAP in, against a real Dovecot: parsing on the way in, the UID cursor, UIDVALIDITY, quarantine."""

import time
from pathlib import Path

import pytest

from channels_app.email.connector import EmailConnector
from channels_app.models import QuarantinedMail
from inbox.models import Channel, ChannelKind, Message, StoredAttachment
from tests.channels_app.email.mailserver import dovecot, mailbox  # noqa: F401 - pytest fixtures
from tests.factories import make_channel

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def email_channel(mailbox, **config):  # noqa: F811
    return make_channel(
        kind=ChannelKind.EMAIL,
        name="Support mail",
        config=mailbox.config(**config),
        credentials={"imap_password": mailbox.password},
    )


def poll(channel) -> int:
    return EmailConnector(Channel.objects.get(pk=channel.pk)).poll()


def only_message(channel) -> Message:
    return Message.objects.select_related("conversation", "author_identity").get(channel=channel)


@pytest.mark.django_db
def test_a_plain_mail_becomes_a_conversation_from_the_sender(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("plain.eml"))
    # when
    created = poll(channel)
    # then
    message = only_message(channel)
    assert created == 1
    assert message.external_id == "<plain-1@mail.example.org>"
    assert message.conversation.subject == "Where is my order #4711?"
    assert message.author_identity.kind == "email"
    assert message.author_identity.external_id == "anna.berg@example.org"
    assert message.author_identity.display_name == "Anna Berg"
    assert "my order #4711 has not arrived yet" in message.text
    assert message.conversation.waiting_since is not None


@pytest.mark.django_db
def test_a_multipart_alternative_mail_keeps_the_text_and_a_sanitized_html(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("alternative.eml"))
    # when
    poll(channel)
    # then
    message = only_message(channel)
    assert message.text.startswith("The Nimbus kettle I got is broken – it leaks.")
    assert "<b>Nimbus kettle</b>" in message.html
    assert "<script" not in message.html and "alert(1)" not in message.html
    assert "onclick" not in message.html and "javascript:" not in message.html
    assert 'data-remote-src="https://tracker.example.net/pixel.gif?u=1"' in message.html
    assert 'src="https://tracker' not in message.html.replace('data-remote-src="https://tracker', "")


@pytest.mark.django_db
def test_an_attachment_is_stored_and_listed_on_the_message(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("attachment.eml"))
    # when
    poll(channel)
    # then
    message = only_message(channel)
    stored = StoredAttachment.objects.get(message=message)
    assert [a["name"] for a in message.attachments] == ["invoice 4711.pdf"]
    assert message.attachments[0]["url"] == f"/email/attachments/{stored.pk}/"
    assert stored.file.read().startswith(b"%PDF-1.4")


@pytest.mark.django_db
def test_an_inline_image_is_stored_and_shown_from_our_own_server(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("inline_image.eml"))
    # when
    poll(channel)
    # then
    message = only_message(channel)
    image = StoredAttachment.objects.get(message=message)
    assert image.content_id == "damage@example.jp"
    assert f'src="/email/attachments/{image.pk}/"' in message.html
    assert "cid:" not in message.html


@pytest.mark.django_db
def test_non_utf8_charsets_are_decoded(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("charsets.eml"))
    # when
    poll(channel)
    # then
    message = only_message(channel)
    assert message.conversation.subject == "Beschädigte Lieferung – bitte helfen"
    assert "Grüße aus Köln" in message.text
    assert "Здравствуйте, где мой заказ?" in message.text
    assert message.author_identity.display_name == "Jürgen Müller"


@pytest.mark.django_db
def test_an_unknown_charset_a_broken_boundary_and_bad_base64_still_give_a_readable_message(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("bad_encoding.eml"))
    # when
    poll(channel)
    # then
    assert only_message(channel).text == "Hello, my refund is missing. Please help."


@pytest.mark.django_db
def test_a_malformed_mail_is_quarantined_with_its_raw_bytes_and_the_next_mail_still_arrives(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("malformed.eml"))
    mailbox.append(eml("plain.eml"))
    # when
    created = poll(channel)
    # then
    quarantined = QuarantinedMail.objects.get(channel=channel)
    assert created == 1
    assert bytes(quarantined.raw).replace(b"\r\n", b"\n") == eml("malformed.eml")
    assert quarantined.uid == 1
    assert "no header section" in quarantined.error
    assert Channel.objects.get(pk=channel.pk).cursor["last_uid"] == 2


@pytest.mark.django_db
def test_an_auto_reply_is_stored_but_starts_no_sla_clock(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("auto_reply.eml"))
    # when
    poll(channel)
    # then
    message = only_message(channel)
    assert message.text == "I am out of the office until Monday."
    assert message.starts_sla is False
    assert message.conversation.waiting_since is None


@pytest.mark.django_db
def test_a_second_poll_adds_nothing_and_mail_stays_unread_on_the_server(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("plain.eml"))
    mailbox.append(eml("attachment.eml"))
    first = poll(channel)
    # when
    second = poll(channel)
    # then
    assert (first, second) == (2, 0)
    assert Message.objects.filter(channel=channel).count() == 2
    assert Channel.objects.get(pk=channel.pk).cursor == {"uidvalidity": mailbox.uidvalidity(), "last_uid": 2}
    assert all(b"\\Seen" not in flags for flags in mailbox.flags())


@pytest.mark.django_db
def test_mail_arriving_after_a_poll_is_picked_up_by_the_next(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(eml("plain.eml"))
    poll(channel)
    mailbox.append(eml("charsets.eml"))
    # when
    created = poll(channel)
    # then
    assert created == 1
    assert Channel.objects.get(pk=channel.pk).cursor["last_uid"] == 2


@pytest.mark.django_db
def test_a_changed_uidvalidity_resyncs_the_folder_without_duplicates(mailbox):  # noqa: F811
    # given
    mailbox.folder = "Support"
    mailbox.create_folder("Support")
    channel = email_channel(mailbox)
    mailbox.append(eml("plain.eml"))
    mailbox.append(eml("attachment.eml"))
    poll(channel)
    old_uidvalidity = mailbox.uidvalidity()
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock: a new second gives a new value
    mailbox.delete_folder("Support")
    mailbox.create_folder("Support")
    mailbox.append(eml("attachment.eml"))
    mailbox.append(eml("plain.eml"))
    mailbox.append(eml("charsets.eml"))
    # when
    created = poll(channel)
    # then
    assert mailbox.uidvalidity() != old_uidvalidity
    assert created == 1
    assert Message.objects.filter(channel=channel).count() == 3
    assert Channel.objects.get(pk=channel.pk).cursor == {"uidvalidity": mailbox.uidvalidity(), "last_uid": 3}
