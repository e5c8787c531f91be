"""An email channel whose polls fail says so, with the reason, until a poll gets through again."""

import socket

import pytest

from channels_app.tasks import poll_channel
from inbox.models import Channel, ChannelKind, ChannelStatus
from tests.channels_app.email.mailserver import dovecot, mailbox  # noqa: F401 - pytest fixtures
from tests.factories import make_channel

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def poll(channel: Channel) -> Channel:
    poll_channel.delay(channel.pk)
    return Channel.objects.get(pk=channel.pk)


def test_an_unreachable_mail_server_needs_attention_after_three_polls_until_one_works(admin_client, mailbox):  # noqa: F811
    # given: the IMAP server's port is closed
    channel = make_channel(
        kind=ChannelKind.EMAIL,
        name="Support mail",
        config=mailbox.config(imap_port=closed_port(), timeout=2),
        credentials={"imap_password": mailbox.password},
    )
    # when
    states = [poll(channel).status for _ in range(3)]
    flagged = Channel.objects.get(pk=channel.pk)
    page = admin_client.get(f"/settings/channels/email/{channel.pk}/").content.decode()
    Channel.objects.filter(pk=channel.pk).update(config=mailbox.config())
    recovered = poll(channel)
    # then
    assert states == [ChannelStatus.ACTIVE, ChannelStatus.ACTIVE, ChannelStatus.NEEDS_ATTENTION]
    assert flagged.status_reason.startswith("The last 3 polls failed")
    assert "The mail server failed" in flagged.status_reason
    assert 'id="email-status">Needs attention' in page and 'id="channel-alert"' in page
    assert (recovered.status, recovered.poll_failures) == (ChannelStatus.ACTIVE, 0)
    assert 'id="channel-alert"' not in admin_client.get("/").content.decode()
