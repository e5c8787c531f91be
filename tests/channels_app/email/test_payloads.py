"""A parsed mail becomes the inbox's InboundMessage (channels_app.email.payloads, pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from channels_app.email.parsing import ParsedAttachment, parse_mail
from channels_app.email.payloads import inbound_message, listed_attachment
from channels_app.email.threading import ThreadDecision

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NEW_THREAD = ThreadDecision(
    thread_key="mail:<a1@example.com>", conversation_id=None, matched_by="new", direction="in", starts_sla=True
)


def mail(*, date: str = "Mon, 02 Mar 2026 08:30:00 +0000", html: str = "") -> bytes:
    body = (
        f'Content-Type: text/html; charset="utf-8"\n\n{html}'
        if html
        else 'Content-Type: text/plain; charset="utf-8"\n\nWhere is order 10492?'
    )
    return (
        "From: Ann Lee <ann.lee@example.com>\nTo: support@example.com\nSubject: Order 10492\n"
        f"Date: {date}\nMessage-ID: <a1@example.com>\n{body}\n"
    ).encode()


def test_a_mail_is_a_private_message_from_its_sender_at_the_time_it_was_written():
    # when
    inbound = inbound_message(parse_mail(mail()), channel_id=7, thread=NEW_THREAD, attachments=(), inline_urls={}, now=NOW)
    # then
    assert (inbound.channel_id, inbound.external_id, inbound.thread_key) == (7, "<a1@example.com>", NEW_THREAD.thread_key)
    assert (inbound.author.kind, inbound.author.handle, inbound.author.display_name) == (
        "email",
        "ann.lee@example.com",
        "Ann Lee",
    )
    assert (inbound.visibility, inbound.subject, inbound.direction) == ("private", "Order 10492", "in")
    assert inbound.platform_time == NOW - timedelta(minutes=30)
    assert "Where is order 10492?" in inbound.text
    assert inbound.raw["matched_by"] == "new"


def test_a_date_far_in_the_future_is_the_senders_clock_so_the_mail_arrived_now():
    # when
    inbound = inbound_message(
        parse_mail(mail(date="Sat, 02 Mar 2030 08:30:00 +0000")),
        channel_id=7,
        thread=NEW_THREAD,
        attachments=(),
        inline_urls={},
        now=NOW,
    )
    # then
    assert inbound.platform_time == NOW


def test_inline_images_point_at_our_own_links_and_a_file_too_large_is_still_named():
    # given
    parsed = parse_mail(mail(html='<p>See <img src="cid:photo1"></p>'))
    too_large = listed_attachment(
        ParsedAttachment(filename="scan.pdf", content_type="application/pdf", data=b"", size=9, too_large=True)
    )
    # when
    inbound = inbound_message(
        parsed,
        channel_id=7,
        thread=NEW_THREAD,
        attachments=(too_large,),
        inline_urls={"photo1": "/email/attachments/3/"},
        now=NOW,
    )
    # then
    assert 'src="/email/attachments/3/"' in inbound.html and "cid:" not in inbound.html
    assert [(a.name, a.size, a.url) for a in inbound.attachments] == [("scan.pdf", 9, "")]
