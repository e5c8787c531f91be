"""Pure parsing: bytes in, a ParsedMail out; never an exception except for a mail that is not a mail."""

from pathlib import Path

import pytest

from channels_app.email.parsing import UnparseableMail, parse_mail

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_a_plain_mail_gives_sender_subject_date_and_text():
    # when
    mail = parse_mail(eml("plain.eml"))
    # then
    assert (mail.from_address, mail.from_name) == ("anna.berg@example.org", "Anna Berg")
    assert mail.message_id == "<plain-1@mail.example.org>"
    assert mail.subject == "Where is my order #4711?"
    assert mail.date.isoformat() == "2026-11-24T09:15:00+01:00"
    assert mail.auto_reply is False and mail.bounce is False


def test_the_signature_is_folded_away_from_what_the_customer_wrote():
    # when
    mail = parse_mail(eml("plain.eml"))
    # then
    assert mail.text_main.endswith("Thanks,\nAnna")
    assert '<details class="email-quoted"><summary>Show full text</summary><p>-- <br>Anna Berg' in mail.html


def test_an_html_only_mail_gets_text_for_snippets():
    # given
    raw = (
        b"From: a@example.org\r\nSubject: hi\r\nMessage-ID: <h@example.org>\r\nContent-Type: text/html\r\n\r\n"
        b"<html><head><style>p{}</style></head><body><p>First line</p><p>Second &amp; last</p></body></html>"
    )
    # when
    mail = parse_mail(raw)
    # then
    assert mail.text == "First line\n\nSecond & last"


def test_inline_images_and_attachments_are_extracted():
    # when
    inline = parse_mail(eml("inline_image.eml")).attachments[0]
    attached = parse_mail(eml("attachment.eml")).attachments[0]
    # then
    assert (inline.filename, inline.content_type, inline.content_id, inline.inline) == (
        "damage.png",
        "image/png",
        "damage@example.jp",
        True,
    )
    assert inline.data.startswith(b"\x89PNG")
    assert (attached.filename, attached.inline, attached.size) == ("invoice 4711.pdf", False, len(attached.data))


def test_an_attachment_over_the_size_limit_is_listed_but_not_kept():
    # when
    attached = parse_mail(eml("attachment.eml"), max_attachment_bytes=10).attachments[0]
    # then
    assert attached.too_large is True
    assert attached.data == b""
    assert attached.size > 10


@pytest.mark.parametrize(
    "header",
    [
        b"Auto-Submitted: auto-replied",
        b"Auto-Submitted: auto-generated",
        b"Precedence: bulk",
        b"Precedence: list",
        b"Precedence: junk",
        b"X-Autoreply: yes",
    ],
)
def test_auto_replies_are_recognised(header):
    # given
    raw = b"From: a@example.org\r\nSubject: away\r\n" + header + b"\r\n\r\nI am away.\r\n"
    # when
    mail = parse_mail(raw)
    # then
    assert mail.auto_reply is True


def test_auto_submitted_no_is_a_person_writing():
    # when
    mail = parse_mail(b"From: a@example.org\r\nAuto-Submitted: no\r\nSubject: hi\r\n\r\nHello\r\n")
    # then
    assert mail.auto_reply is False


def test_a_delivery_report_names_the_mail_that_bounced_and_why():
    # when
    mail = parse_mail(eml("bounce.eml"))
    # then
    assert mail.bounce is True
    assert mail.bounce_refers_to == "<our-reply-1@shop.example.com>"
    assert mail.bounce_reason.startswith("smtp; 550 5.1.1")
    assert mail.text.startswith("This is the mail system")


def test_a_mail_without_message_id_gets_a_stable_id_from_its_whole_content():
    # given: two mails with the same Date, From and Subject but other bodies
    raw = b"From: a@example.org\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nSubject: hi\r\n\r\nHello\r\n"
    # when
    first, again, other = parse_mail(raw), parse_mail(raw.replace(b"\r\n", b"\n")), parse_mail(raw + b"different body\r\n")
    # then
    assert first.has_message_id is False
    assert first.message_id == again.message_id
    assert first.message_id != other.message_id
    assert first.message_id.endswith("@no-message-id.parley.invalid>")


def test_broken_headers_with_nul_and_bad_encoded_words_are_cleaned():
    # when
    mail = parse_mail(b"From: =?bogus?q?x=C3?= <x@y.example>\r\nSubject: a\x00b\r\n\r\nbody\x00 text\r\n")
    # then
    assert mail.from_address == "x@y.example"
    assert "\x00" not in mail.subject + mail.text + mail.from_name
    assert mail.from_name.encode("utf-8")  # no lone surrogates left


def test_a_mail_with_no_headers_cannot_be_parsed():
    # when / then
    with pytest.raises(UnparseableMail, match="no header section"):
        parse_mail(eml("malformed.eml"))


def test_a_mail_with_no_sender_cannot_be_parsed():
    # when / then
    with pytest.raises(UnparseableMail, match="no sender"):
        parse_mail(b"Subject: who wrote this?\r\n\r\nnobody\r\n")
