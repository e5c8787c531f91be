"""IMAP IDLE against a real Dovecot: new mail arrives within seconds, across IDLE renewals."""

import threading
import time
from pathlib import Path

import pytest

from channels_app.email.idle import IdleListener
from inbox.models import ChannelKind, Message
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


@pytest.mark.django_db(transaction=True)
def test_idle_brings_new_mail_in_within_seconds_across_idle_renewals(mailbox):  # noqa: F811
    # given: a listener that renews its IDLE every half second (in production every 28 minutes)
    channel = email_channel(mailbox)
    listener = IdleListener(channel.pk, check_interval=0.2, renew_seconds=0.5)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    try:
        assert listener.ready.wait(10)
        time.sleep(1.2)
        # when
        started = time.monotonic()
        mailbox.append(eml("plain.eml"))
        while not Message.objects.filter(channel=channel).exists() and time.monotonic() - started < 10:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        listener.stop()
        thread.join(10)
    # then
    assert Message.objects.filter(channel=channel).count() == 1
    assert elapsed < 5
    assert not thread.is_alive()
