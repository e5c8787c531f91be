"""The TLS modes an admin can choose: implicit TLS and STARTTLS for IMAP, STARTTLS with AUTH for SMTP."""

import email
import email.policy
from pathlib import Path

import pytest

from channels_app.base import ChannelAuthError
from channels_app.email.admin import check_connection
from channels_app.email.connector import EmailConnector
from inbox.actions import send_reply
from inbox.models import ChannelKind, Conversation, Message
from tests.channels_app.email.mailserver import dovecot, mailbox, smtp_tls_server  # noqa: F401 - pytest fixtures
from tests.factories import make_channel, make_team, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_imap_over_implicit_tls_reads_mail(mailbox, dovecot):  # noqa: F811
    # given
    config = mailbox.config(imap_tls="ssl", imap_port=dovecot.ssl_port, tls_ca_file=dovecot.ca_file)
    channel = make_channel(kind=ChannelKind.EMAIL, config=config, credentials={"imap_password": mailbox.password})
    mailbox.append((FIXTURES / "plain.eml").read_bytes())
    # when
    created = EmailConnector(channel).poll()
    # then
    assert created == 1


def test_imap_with_starttls_reads_mail(mailbox, dovecot):  # noqa: F811
    # given
    config = mailbox.config(imap_tls="starttls", tls_ca_file=dovecot.ca_file)
    channel = make_channel(kind=ChannelKind.EMAIL, config=config, credentials={"imap_password": mailbox.password})
    mailbox.append((FIXTURES / "plain.eml").read_bytes())
    # when
    created = EmailConnector(channel).poll()
    # then
    assert created == 1


def test_an_untrusted_certificate_is_refused_and_the_check_says_so(mailbox, dovecot, smtp_tls_server):  # noqa: F811
    # given: no CA file, so the self-signed certificates are not trusted
    config = mailbox.config(imap_tls="ssl", imap_port=dovecot.ssl_port, smtp_tls="starttls", smtp_port=smtp_tls_server.port)
    channel = make_channel(kind=ChannelKind.EMAIL, config=config, credentials={"imap_password": mailbox.password})
    # when
    results = check_connection(channel)
    # then
    assert [(server, ok) for server, ok, _ in results] == [("IMAP", False), ("SMTP", False)]
    assert "IMAP TLS with 127.0.0.1:" in results[0][2] and "CERTIFICATE_VERIFY_FAILED" in results[0][2]
    assert "SMTP TLS with 127.0.0.1:" in results[1][2] and "CERTIFICATE_VERIFY_FAILED" in results[1][2]


def _conversation(smtp_tls_server, password: str) -> tuple[Conversation, object]:  # noqa: F811
    team = make_team()
    config = {
        "address": "support@shop.example.com",
        "display_name": "Shop Support",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_tls_server.port,
        "smtp_tls": "starttls",
        "smtp_user": smtp_tls_server.user,
        "tls_ca_file": smtp_tls_server.ca_file,
        "timeout": 5,
    }
    channel = make_channel(team=team, kind=ChannelKind.EMAIL, config=config, credentials={"smtp_password": password})
    EmailConnector(channel).process_raw((FIXTURES / "plain.eml").read_bytes())
    conversation = Conversation.objects.get(channel=channel)
    agent = make_user(teams=[team])
    reply = send_reply(conversation=conversation, author=agent, text="Hello", visibility="private", idempotency_key="s")
    return conversation, Message.objects.select_related("conversation__identity").get(pk=reply.pk)


def test_smtp_with_starttls_and_login_sends_the_reply(smtp_tls_server):  # noqa: F811
    # given
    conversation, reply = _conversation(smtp_tls_server, smtp_tls_server.password)
    # when
    result = EmailConnector(conversation.channel).send(reply)
    # then
    sent = email.message_from_bytes(smtp_tls_server.handler.accepted[0][2], policy=email.policy.default)
    assert sent["Message-ID"] == result.external_id


def test_a_refused_smtp_login_is_a_channel_problem_with_the_servers_answer(smtp_tls_server):  # noqa: F811
    # given
    conversation, reply = _conversation(smtp_tls_server, "wrong-password")
    # when / then
    with pytest.raises(ChannelAuthError, match="SMTP login refused: 535"):
        EmailConnector(conversation.channel).send(reply)
    assert smtp_tls_server.handler.accepted == []
