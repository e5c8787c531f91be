"""Logins that fail, and the admin's connection check."""

import logging

import pytest
from django.urls import reverse

from accounts.models import Role
from channels_app.tasks import poll_channel
from inbox.models import Channel, ChannelKind, ChannelStatus
from tests.channels_app.email.mailserver import dovecot, free_port, mailbox, smtp_server  # noqa: F401 - pytest fixtures
from tests.factories import make_channel, make_user

pytestmark = pytest.mark.django_db

WRONG = "Wr0ng-Pa55word-Do-Not-Log"


def test_a_refused_imap_login_flags_the_channel_and_never_logs_the_password(mailbox, caplog):  # noqa: F811
    # given
    channel = make_channel(kind=ChannelKind.EMAIL, config=mailbox.config(), credentials={"imap_password": WRONG})
    caplog.set_level(logging.DEBUG)
    for name in ("imapclient", "imapclient.imaplib", "channels_app"):
        caplog.set_level(logging.DEBUG, logger=name)
    # when
    poll_channel.delay(channel.pk)
    # then
    channel.refresh_from_db()
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert "IMAP login refused" in channel.status_reason
    assert "LOGIN" in logged  # imapclient's own protocol lines were captured, redacted
    assert WRONG not in logged
    assert WRONG not in caplog.text


def test_the_connection_check_says_which_server_failed_and_why(client, mailbox, caplog):  # noqa: F811
    # given
    channel = make_channel(
        kind=ChannelKind.EMAIL,
        config=mailbox.config(smtp_port=free_port()),
        credentials={"imap_password": WRONG},
    )
    client.force_login(make_user(role=Role.ADMIN))
    caplog.set_level(logging.DEBUG)
    # when
    response = client.post(reverse("channel_settings:email_connect", args=[channel.pk]), follow=True)
    # then
    page = response.content.decode()
    channel.refresh_from_db()
    assert "IMAP failed: IMAP login refused for agent" in page
    assert "Check the user and password." in page
    assert "SMTP failed: SMTP server 127.0.0.1:" in page and "connection refused" in page
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert WRONG not in page
    assert WRONG not in caplog.text


def test_the_connection_check_passes_against_working_servers(client, mailbox, smtp_server):  # noqa: F811
    # given
    channel = make_channel(
        kind=ChannelKind.EMAIL,
        config=mailbox.config(smtp_port=smtp_server.port),
        credentials={"imap_password": mailbox.password},
    )
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_ATTENTION, status_reason="old")
    client.force_login(make_user(role=Role.ADMIN))
    # when
    response = client.post(reverse("channel_settings:email_connect", args=[channel.pk]), follow=True)
    # then
    page = response.content.decode()
    channel.refresh_from_db()
    assert "IMAP OK: INBOX has 0 messages; supports IDLE." in page
    assert "SMTP OK" in page
    assert channel.status == ChannelStatus.ACTIVE
    assert channel.status_reason == ""
