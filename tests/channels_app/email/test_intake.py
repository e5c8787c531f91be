"""Every mail kept: a duplicate only by content, the rest stored or quarantined with a reason, never nowhere."""

import logging
import time
from pathlib import Path

import pytest
from django.db import DataError, OperationalError

from channels_app.email.connector import EmailConnector
from channels_app.models import QuarantinedMail, QuarantineKind
from inbox.models import Channel, ChannelKind, Message
from tests.channels_app.email.mailserver import dovecot, mailbox  # noqa: F401 - pytest fixtures
from tests.factories import make_channel

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
PLAIN = (FIXTURES / "plain.eml").read_bytes()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def email_channel(mailbox=None, **config):  # noqa: F811
    return make_channel(
        kind=ChannelKind.EMAIL,
        name="Support mail",
        config=mailbox.config(**config) if mailbox else {"address": "support@shop.example.com", **config},
        credentials={"imap_password": mailbox.password if mailbox else "x"},
    )


def poll(channel) -> int:
    return EmailConnector(Channel.objects.get(pk=channel.pk)).poll()


def mail(*, message_id="<same-1@mail.example.org>", sender="Anna Berg <anna@example.org>", body="Hello", extra=""):
    head = f"From: {sender}\r\nTo: support@shop.example.com\r\nSubject: Order\r\nDate: Tue, 24 Nov 2026 09:15:00 +0100\r\n"
    if message_id:
        head += f"Message-ID: {message_id}\r\n"
    return (head + extra + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()


def accounted(channel) -> int:
    return Message.objects.filter(channel=channel).count() + QuarantinedMail.objects.filter(channel=channel).count()


@pytest.mark.django_db
def test_a_mail_sharing_a_message_id_but_not_its_content_is_stored_as_its_own_message_in_the_same_thread():
    # given
    channel = email_channel()
    connector = EmailConnector(channel)
    connector.process_raw(mail(body="My order is late."))
    # when
    created = connector.process_raw(mail(body="Also, the invoice is wrong."))
    # then
    first, second = Message.objects.filter(channel=channel).order_by("id")
    assert created == 1
    assert first.external_id == "<same-1@mail.example.org>"
    assert second.external_id.startswith("<same-1@mail.example.org>#") and len(second.external_id) == 26 + 12
    assert second.text == "Also, the invoice is wrong."
    assert second.conversation_id == first.conversation_id


@pytest.mark.django_db
def test_the_same_mail_read_again_adds_nothing_and_says_why_in_the_log(caplog):
    # given
    channel = email_channel()
    connector = EmailConnector(channel)
    connector.process_raw(PLAIN, uid=1, uidvalidity=5)
    # when
    with caplog.at_level(logging.INFO, logger="channels_app.email.intake"):
        again = connector.process_raw(PLAIN.replace(b"\n", b"\r\n"), uid=1, uidvalidity=5)
    # then
    skipped = [r for r in caplog.records if r.getMessage() == "email skipped"]
    assert again == 0
    assert Message.objects.filter(channel=channel).count() == 1
    assert not QuarantinedMail.objects.filter(channel=channel).exists()
    assert "already stored as message" in skipped[0].reason and skipped[0].channel_id == channel.pk


@pytest.mark.django_db
def test_mails_without_message_id_that_share_date_sender_and_subject_are_both_stored():
    # given
    channel = email_channel()
    connector = EmailConnector(channel)
    # when
    created = connector.process_raw(mail(message_id="", body="First question")) + connector.process_raw(
        mail(message_id="", body="Second question")
    )
    # then
    assert created == 2
    assert sorted(Message.objects.filter(channel=channel).values_list("text", flat=True)) == ["First question", "Second question"]


@pytest.mark.django_db
def test_a_display_name_longer_than_its_column_is_cut_with_a_mark_and_the_mailbox_moves_on(mailbox):  # noqa: F811
    # given: a From display name of 300 characters, an address of 312 (it names the customer), an ordinary mail
    channel = email_channel(mailbox)
    mailbox.append(mail(sender=f'"{"Very Long Name " * 20}" <long@example.org>', message_id="<long-1@example.org>"))
    mailbox.append(mail(sender=f"{'a' * 300}@example.org", message_id="<long-2@example.org>"))
    mailbox.append(PLAIN)
    # when
    created = poll(channel)
    # then
    long_one = Message.objects.select_related("author_identity__customer").get(external_id="<long-1@example.org>")
    name = long_one.author_identity.display_name
    assert created == 3
    customer_name = long_one.author_identity.customer.name
    assert name.startswith("Very Long Name Very Long Name") and name.endswith("…") and len(name) == 255
    assert customer_name.endswith("…") and len(customer_name) == 200
    assert Channel.objects.get(pk=channel.pk).cursor["last_uid"] == 3


@pytest.mark.django_db
def test_a_mail_the_database_refuses_is_quarantined_and_the_cursor_moves_past_it(mailbox, monkeypatch):  # noqa: F811
    # given: storing the first mail fails in the database, the second is fine
    channel = email_channel(mailbox)
    mailbox.append(mail(message_id="<refused@example.org>"))
    mailbox.append(PLAIN)
    from channels_app.email import intake

    real = intake.actions.ingest_message

    def refusing(*, inbound):
        if inbound.external_id == "<refused@example.org>":
            raise DataError("value too long for type character varying(255)")
        return real(inbound=inbound)

    monkeypatch.setattr(intake.actions, "ingest_message", refusing)
    # when
    created = poll(channel)
    # then
    item = QuarantinedMail.objects.get(channel=channel)
    assert created == 1
    assert item.kind == QuarantineKind.STORE_FAILED and item.uid == 1
    assert "DataError: value too long" in item.error
    assert Channel.objects.get(pk=channel.pk).cursor["last_uid"] == 2
    assert accounted(channel) == 2


@pytest.mark.django_db
def test_when_not_even_the_quarantine_can_be_written_the_cursor_stays_for_the_next_poll(mailbox, monkeypatch):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(mail(message_id="<fails@example.org>"))
    from channels_app.email import intake, quarantine

    def failing(**kwargs):
        raise RuntimeError("storing bug")

    def database_down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(intake.actions, "ingest_message", failing)
    monkeypatch.setattr(quarantine.QuarantinedMail.objects, "get_or_create", database_down)
    # when
    with pytest.raises(OperationalError):
        poll(channel)
    # then
    assert Channel.objects.get(pk=channel.pk).cursor.get("last_uid", 0) == 0


@pytest.mark.django_db
def test_a_second_identical_copy_in_the_folder_is_listed_in_the_quarantine_as_a_copy(mailbox):  # noqa: F811
    # given
    channel = email_channel(mailbox)
    mailbox.append(PLAIN)
    mailbox.append(PLAIN)
    # when
    created = poll(channel) + poll(channel)
    # then
    item = QuarantinedMail.objects.get(channel=channel)
    message = Message.objects.get(channel=channel)
    assert created == 1
    assert (item.kind, item.uid, item.message_id) == (QuarantineKind.DUPLICATE, 2, message.pk)
    assert accounted(channel) == 2


@pytest.mark.django_db
def test_every_copy_in_the_folder_counts_a_third_of_a_stored_mail_and_a_second_of_an_unreadable_one(mailbox):  # noqa: F811
    # given: a mail three times and an unreadable one twice, byte for byte
    channel = email_channel(mailbox)
    junk = b"This is not a mail at all, just text.\r\n"
    for raw in (PLAIN, PLAIN, junk, PLAIN, junk):
        mailbox.append(raw)
    # when
    created = poll(channel) + poll(channel)
    # then: one message, and every other mail in the folder in the quarantine with its place
    message = Message.objects.get(channel=channel)
    entries = list(QuarantinedMail.objects.filter(channel=channel).order_by("uid").values_list("uid", "kind", "message_id"))
    assert created == 1
    assert entries == [
        (2, QuarantineKind.DUPLICATE, message.pk),
        (3, QuarantineKind.UNPARSEABLE, None),
        (4, QuarantineKind.DUPLICATE, message.pk),
        (5, QuarantineKind.DUPLICATE, None),
    ]
    assert "already in the quarantine" in QuarantinedMail.objects.get(channel=channel, uid=5).error
    assert accounted(channel) == mailbox.count() == 5


@pytest.mark.django_db
def test_after_a_uidvalidity_change_the_copies_are_read_again_without_new_entries(mailbox):  # noqa: F811
    # given: two copies of a mail and two of an unreadable one, read once
    mailbox.folder = "Support"
    mailbox.create_folder("Support")
    channel = email_channel(mailbox)
    junk = b"This is not a mail at all, just text.\r\n"
    for raw in (PLAIN, junk, PLAIN, junk):
        mailbox.append(raw)
    poll(channel)
    old_uidvalidity = mailbox.uidvalidity()
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock: a new second gives a new value
    mailbox.delete_folder("Support")
    mailbox.create_folder("Support")
    for raw in (junk, PLAIN, junk, PLAIN):
        mailbox.append(raw)
    # when
    created = poll(channel)
    # then: the same four mails, accounted for once each, at their new places
    assert mailbox.uidvalidity() != old_uidvalidity
    assert created == 0
    assert accounted(channel) == mailbox.count() == 4
    places = QuarantinedMail.objects.filter(channel=channel).values_list("uidvalidity", "uid")
    assert sorted(places) == [(mailbox.uidvalidity(), 1), (mailbox.uidvalidity(), 3), (mailbox.uidvalidity(), 4)]


@pytest.mark.django_db
def test_a_mail_larger_than_the_channel_keeps_is_quarantined_as_too_large():
    # given
    channel = email_channel(max_mail_bytes=1000)
    # when
    created = EmailConnector(channel).process_raw(mail(body="x" * 2000), uid=9)
    # then
    item = QuarantinedMail.objects.get(channel=channel)
    assert created == 0
    assert item.kind == QuarantineKind.TOO_LARGE and "more than this channel keeps" in item.error
