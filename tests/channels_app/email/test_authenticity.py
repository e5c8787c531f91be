"""Mail authenticity: the brand's own only by proof, [#id] only for that customer, spoofs held visibly."""

from email.message import EmailMessage
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import Role
from channels_app.email.authenticity import parse, trusted_ids, verdict
from channels_app.email.connector import EmailConnector
from channels_app.models import QuarantinedMail, QuarantineKind
from inbox.models import ChannelKind, Conversation, ConversationEvent, Direction, Message
from tests.factories import make_channel, make_user

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
OURS = "support@shop.example.com"
GMAIL_PASS = (
    "mx.shop.example.com; dkim=pass header.i=@shop.example.com header.s=s1 header.b=AbC; "
    "spf=pass (domain of support@shop.example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=support@shop.example.com; "
    "dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=shop.example.com"
)
DMARC_FAIL = (
    "mx.shop.example.com; spf=fail smtp.mailfrom=evil.example; dkim=none; dmarc=fail (p=NONE dis=NONE) header.from={domain}"
)


# --- the Authentication-Results parser, on the shapes servers write -----------------------------------


@pytest.mark.parametrize(
    ("value", "authserv_id", "dmarc", "proves_shop"),
    [
        (GMAIL_PASS, "mx.shop.example.com", "pass", True),
        ("mx.shop.example.com 1; dmarc=pass header.from=shop.example.com", "mx.shop.example.com", "pass", True),
        ("mx.shop.example.com; dmarc=pass header.from=other.example", "mx.shop.example.com", "pass", False),
        ("mx.shop.example.com; dkim=pass header.d=mail.shop.example.com; dmarc=none", "mx.shop.example.com", "none", True),
        ("mx.shop.example.com; dkim=pass header.d=attacker.example; dmarc=none", "mx.shop.example.com", "none", False),
        ("mx.shop.example.com; dkim=fail (bad signature) header.d=shop.example.com", "mx.shop.example.com", "", False),
        ("mx.shop.example.com; none", "mx.shop.example.com", "", False),
        (DMARC_FAIL.format(domain="shop.example.com"), "mx.shop.example.com", "fail", False),
        ("MX.Shop.Example.COM; DMARC=Pass Header.From=Shop.Example.com", "mx.shop.example.com", "pass", True),
        # Exchange Online writes no authserv-id: nothing there to trust it by.
        (
            "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=shop.example.com; dmarc=pass action=none header.from=shop.example.com",
            "",
            "pass",
            True,
        ),
    ],
)
def test_authentication_results_are_read_as_servers_write_them(value, authserv_id, dmarc, proves_shop):
    # when
    server, results = parse(value)
    checked = verdict([value], frozenset({"mx.shop.example.com"}))
    # then
    assert server == authserv_id
    assert next((r.result for r in results if r.method == "dmarc"), "") == dmarc
    if authserv_id:
        assert checked.proves_domain("shop.example.com") is proves_shop
    else:
        assert checked.trusted is False and checked.proves_domain("shop.example.com") is False


def test_only_the_topmost_header_of_a_trusted_server_speaks():
    # given: the sender added its own "pass" below the receiving server's verdict, and one under a made-up id on top
    headers = ["forged.example; dmarc=pass", DMARC_FAIL.format(domain="shop.example.com"), GMAIL_PASS]
    # when
    checked = verdict(headers, trusted_ids("mx.shop.example.com, mx2.shop.example.com"))
    # then
    assert checked.authserv_id == "mx.shop.example.com"
    assert checked.dmarc_failed() and not checked.proves_domain("shop.example.com")


# --- end to end: the spoof round trips from issue 13 ---------------------------------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def waiting(db):
    """Anna's mail is in, waiting for our answer."""
    channel = make_channel(kind=ChannelKind.EMAIL, config={"address": OURS, "trusted_authserv_ids": "mx.shop.example.com"})
    EmailConnector(channel).process_raw((FIXTURES / "plain.eml").read_bytes(), uid=1)
    conversation = Conversation.objects.get(channel=channel)
    assert conversation.waiting_since is not None
    return channel, conversation


def mail(
    *, sender: str, subject: str = "Re: Where is my order #4711?", in_reply_to: str = "", auth: str = "", uid_tag: str = "1"
):
    message = EmailMessage()
    if auth:
        message["Authentication-Results"] = auth
    message["From"] = sender
    message["To"] = OURS
    message["Subject"] = subject
    message["Message-ID"] = f"<m-{uid_tag}@{sender.rpartition('@')[2].strip('>')}>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content("Your order was delivered, case closed.")
    return bytes(message)


def assert_still_waiting(conversation):
    conversation.refresh_from_db()
    assert conversation.waiting_since is not None
    assert not conversation.messages.filter(direction=Direction.OUT).exists()
    assert not ConversationEvent.objects.filter(conversation=conversation, kind="outbound_elsewhere").exists()


@pytest.mark.parametrize(
    "auth",
    ["", DMARC_FAIL.format(domain="shop.example.com"), "attacker-mx.example; dmarc=pass header.from=shop.example.com"],
    ids=["no-verdict", "dmarc-fail", "untrusted-pass"],
)
def test_a_mail_from_our_own_address_answering_a_conversation_without_proof_is_held_as_a_spoof(waiting, auth):
    # given
    channel, conversation = waiting
    forged = mail(sender=f"Shop Support <{OURS}>", in_reply_to="<plain-1@mail.example.org>", auth=auth)
    # when
    created = EmailConnector(channel).process_raw(forged, uid=2)
    # then
    held = QuarantinedMail.objects.get(channel=channel)
    assert created == 0
    assert held.kind == QuarantineKind.SPOOF and "our own address" in held.error
    assert_still_waiting(conversation)


def test_a_ticket_token_alone_from_our_own_address_is_held_as_a_spoof(waiting):
    # given
    channel, conversation = waiting
    forged = mail(sender=OURS, subject=f"Re: your order [#{conversation.pk}]")
    # when
    EmailConnector(channel).process_raw(forged, uid=2)
    # then
    assert QuarantinedMail.objects.get(channel=channel).kind == QuarantineKind.SPOOF
    assert_still_waiting(conversation)


def test_a_mail_from_our_own_address_that_passed_dmarc_is_the_brand_writing_elsewhere(waiting):
    # given
    channel, conversation = waiting
    genuine = mail(sender=f"Shop Support <{OURS}>", in_reply_to="<plain-1@mail.example.org>", auth=GMAIL_PASS)
    # when
    created = EmailConnector(channel).process_raw(genuine, uid=2)
    # then
    conversation.refresh_from_db()
    assert created == 1
    assert conversation.messages.filter(direction=Direction.OUT).count() == 1
    assert conversation.waiting_since is None


def test_a_strangers_mail_with_another_customers_ticket_token_starts_its_own_conversation(waiting):
    # given
    channel, conversation = waiting
    stranger = mail(sender="mallory@evil.example", subject=f"Re: Where is my order [#{conversation.pk}]")
    # when
    EmailConnector(channel).process_raw(stranger, uid=2)
    # then
    message = Message.objects.get(channel=channel, author_identity__external_id="mallory@evil.example")
    assert message.conversation_id != conversation.pk
    assert conversation.messages.count() == 1


def test_the_customers_own_ticket_token_still_threads(waiting):
    # given
    channel, conversation = waiting
    answer = mail(sender="Anna Berg <anna.berg@example.org>", subject=f"Still nothing [#{conversation.pk}]")
    # when
    EmailConnector(channel).process_raw(answer, uid=2)
    # then
    assert conversation.messages.count() == 2


def test_a_mail_in_a_customers_name_that_fails_dmarc_is_held_as_a_spoof(waiting):
    # given
    channel, conversation = waiting
    forged = mail(
        sender="anna.berg@example.org", in_reply_to="<plain-1@mail.example.org>", auth=DMARC_FAIL.format(domain="example.org")
    )
    # when
    EmailConnector(channel).process_raw(forged, uid=2)
    # then
    held = QuarantinedMail.objects.get(channel=channel)
    assert held.kind == QuarantineKind.SPOOF and "our customer anna.berg@example.org" in held.error
    assert conversation.messages.count() == 1


def test_an_admin_releases_a_held_mail_from_the_quarantine_page_and_it_is_recorded(waiting, client):
    # given
    channel, conversation = waiting
    EmailConnector(channel).process_raw(mail(sender=OURS, in_reply_to="<plain-1@mail.example.org>"), uid=2)
    held = QuarantinedMail.objects.get(channel=channel)
    admin = make_user(role=Role.ADMIN)
    client.force_login(admin)
    # when
    page = client.get(reverse("channel_settings:email_quarantine")).content.decode()
    released = client.post(reverse("channel_settings:email_quarantine_release", args=[held.pk]), follow=True)
    # then
    held.refresh_from_db()
    event = ConversationEvent.objects.get(conversation=conversation, kind="mail_released")
    assert "Suspected spoof" in page and f'action="/settings/channels/email/quarantine/{held.pk}/release/"' in page
    assert "released: a message was added" in released.content.decode()
    assert (held.released_by, event.actor) == (admin, admin)
    assert conversation.messages.filter(direction=Direction.OUT).count() == 1


def test_an_agent_cannot_release_a_held_mail(waiting, client):
    # given
    channel, _ = waiting
    EmailConnector(channel).process_raw(mail(sender=OURS), uid=2)
    held = QuarantinedMail.objects.get(channel=channel)
    client.force_login(make_user(role=Role.AGENT))
    # when
    response = client.post(reverse("channel_settings:email_quarantine_release", args=[held.pk]))
    # then
    held.refresh_from_db()
    assert response.status_code == 404
    assert held.released_at is None
