"""Email settings pages: the admin form with write-only passwords, and the quarantine of unreadable mail."""

from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from channels_app.email.connector import EmailConnector
from channels_app.models import QuarantinedMail
from inbox.models import Channel, ChannelKind, Message
from tests.factories import make_channel, make_team, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
SECRET = "Imap-S3cret-Never-Shown"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def email_channel(team=None) -> Channel:
    return make_channel(
        team=team or make_team(),
        kind=ChannelKind.EMAIL,
        config={"address": "support@shop.example.com", "display_name": "Shop Support"},
        credentials={"imap_password": SECRET},
    )


FORM = {
    "name": "Support mail",
    "address": "support@shop.example.com",
    "display_name": "Shop Support",
    "imap_host": "imap.example.com",
    "imap_port": "993",
    "imap_tls": "ssl",
    "imap_user": "support",
    "imap_password": SECRET,
    "imap_folder": "INBOX",
    "smtp_host": "smtp.example.com",
    "smtp_port": "465",
    "smtp_tls": "ssl",
    "smtp_user": "support",
    "smtp_password": "Smtp-S3cret",
    "poll_interval_seconds": "30",
}


def test_an_admin_adds_an_email_channel_with_encrypted_write_only_passwords(client):
    # given
    team = make_team()
    client.force_login(make_user(role=Role.ADMIN))
    # when
    response = client.post(reverse("channel_settings:email_add"), {**FORM, "team": team.pk}, follow=True)
    # then
    channel = Channel.objects.get(kind=ChannelKind.EMAIL)
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_app_channel WHERE id = %s", [channel.pk])
        at_rest = cursor.fetchone()[0]
    assert response.status_code == 200
    assert channel.credentials == {"imap_password": SECRET, "smtp_password": "Smtp-S3cret"}
    assert channel.config["imap_host"] == "imap.example.com" and channel.poll_interval_seconds == 30
    assert SECRET not in response.content.decode()
    assert "Set. Leave blank to keep it." in response.content.decode()
    assert SECRET not in at_rest


def test_editing_with_blank_passwords_keeps_the_stored_ones(client):
    # given
    team = make_team()
    client.force_login(make_user(role=Role.ADMIN))
    client.post(reverse("channel_settings:email_add"), {**FORM, "team": team.pk})
    channel = Channel.objects.get(kind=ChannelKind.EMAIL)
    # when
    client.post(
        reverse("channel_settings:email_edit", args=[channel.pk]),
        {**FORM, "team": team.pk, "imap_password": "", "smtp_password": "", "imap_host": "mail.example.com"},
    )
    # then
    channel.refresh_from_db()
    assert channel.config["imap_host"] == "mail.example.com"
    assert channel.credentials == {"imap_password": SECRET, "smtp_password": "Smtp-S3cret"}


def test_an_agent_cannot_open_the_email_settings(client):
    # given
    client.force_login(make_user(role=Role.AGENT, teams=[make_team()]))
    # when
    response = client.get(reverse("channel_settings:email_add"))
    # then
    assert response.status_code == 404


def test_the_quarantine_lists_a_mail_that_could_not_be_read_and_keeps_it_on_a_failed_reprocess(client):
    # given
    channel = email_channel()
    EmailConnector(channel).process_raw((FIXTURES / "malformed.eml").read_bytes(), uid=7)
    item = QuarantinedMail.objects.get(channel=channel)
    client.force_login(make_user(role=Role.ADMIN))
    # when
    listing = client.get(reverse("channel_settings:email_quarantine"))
    reprocess = client.post(reverse("channel_settings:email_quarantine_reprocess", args=[item.pk]), follow=True)
    # then
    assert "The mail has no header section." in listing.content.decode()
    assert "This is not a mail at all" in listing.content.decode()
    assert "still cannot be read" in reprocess.content.decode()
    assert QuarantinedMail.objects.filter(pk=item.pk, reprocessed_at__isnull=True).exists()


def test_reprocessing_a_quarantined_mail_that_now_parses_creates_the_message(client):
    # given: a mail an older parser could not read
    channel = email_channel()
    EmailConnector(channel).quarantine((FIXTURES / "plain.eml").read_bytes(), "old parser bug", uid=3)
    item = QuarantinedMail.objects.get(channel=channel)
    client.force_login(make_user(role=Role.ADMIN))
    # when
    response = client.post(reverse("channel_settings:email_quarantine_reprocess", args=[item.pk]), follow=True)
    # then
    item.refresh_from_db()
    assert "a message was added" in response.content.decode()
    assert item.reprocessed_at is not None
    assert Message.objects.filter(channel=channel, external_id="<plain-1@mail.example.org>").exists()


def test_the_raw_quarantined_mail_downloads_unchanged(client):
    # given
    channel = email_channel()
    raw = (FIXTURES / "malformed.eml").read_bytes()
    EmailConnector(channel).process_raw(raw)
    item = QuarantinedMail.objects.get(channel=channel)
    client.force_login(make_user(role=Role.ADMIN))
    # when
    response = client.get(reverse("channel_settings:email_quarantine_raw", args=[item.pk]))
    # then
    assert response.content == raw
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_mail_that_breaks_while_being_stored_is_quarantined_not_lost(monkeypatch):
    # given
    channel = email_channel()

    def broken(**kwargs):
        raise ValueError("threading bug")

    monkeypatch.setattr("channels_app.email.intake.decide_thread", broken)
    # when
    created = EmailConnector(channel).process_raw((FIXTURES / "plain.eml").read_bytes(), uid=4)
    # then
    item = QuarantinedMail.objects.get(channel=channel)
    assert created == 0
    assert item.error == "The mail could not be stored: ValueError: threading bug"
    assert bytes(item.raw) == (FIXTURES / "plain.eml").read_bytes()


def test_the_quarantine_shows_each_mail_s_kind_and_filters_by_it(client):
    # given: one unreadable mail and one the database refused
    channel = email_channel()
    connector = EmailConnector(channel)
    connector.process_raw((FIXTURES / "malformed.eml").read_bytes(), uid=1)
    connector.quarantine(
        (FIXTURES / "plain.eml").read_bytes(), "The mail could not be stored: DataError", uid=2, kind="store_failed"
    )
    client.force_login(make_user(role=Role.ADMIN))
    # when
    everything = client.get(reverse("channel_settings:email_quarantine")).content.decode()
    failed_only = client.get(reverse("channel_settings:email_quarantine") + "?kind=store_failed").content.decode()
    # then
    assert "Cannot be read (1)" in everything and "Storing failed (1)" in everything
    assert "The mail has no header section." in everything
    assert "could not be stored: DataError" in failed_only and "no header section" not in failed_only
