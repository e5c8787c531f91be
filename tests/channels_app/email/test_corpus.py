"""A real-world corpus through a real Dovecot: every mail in the folder is a message or a quarantine entry."""

import pytest

from channels_app.email.connector import EmailConnector
from channels_app.models import QuarantinedMail, QuarantineKind
from inbox.models import Channel, ChannelKind, Message
from tests.channels_app.email.corpus import corpus, cpython_mails
from tests.channels_app.email.mailserver import dovecot, mailbox  # noqa: F401 - pytest fixtures
from tests.factories import make_channel


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.django_db
def test_every_mail_of_the_corpus_is_a_message_or_in_the_quarantine(mailbox):  # noqa: F811
    # given
    if not cpython_mails():
        pytest.skip("this Python ships without its test package (Lib/test/test_email/data)")
    held = mailbox.append_all([raw for _, raw in corpus()])
    channel = make_channel(
        kind=ChannelKind.EMAIL,
        config=mailbox.config(trusted_authserv_ids="mx.shop.example.com"),
        credentials={"imap_password": mailbox.password},
    )
    # when
    EmailConnector(Channel.objects.get(pk=channel.pk)).poll()
    # then
    messages = Message.objects.filter(channel=channel)
    quarantined = QuarantinedMail.objects.filter(channel=channel)
    kinds = set(quarantined.values_list("kind", flat=True))
    assert held == mailbox.count() > 60
    assert messages.count() + quarantined.count() == held
    assert messages.filter(external_id__startswith="<shared@example.org>").count() == 3
    assert messages.filter(text__startswith="Question number").count() == 3
    assert {QuarantineKind.UNPARSEABLE, QuarantineKind.DUPLICATE, QuarantineKind.SPOOF} <= kinds
    assert Channel.objects.get(pk=channel.pk).cursor["last_uid"] == held
