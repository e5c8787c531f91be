"""Headers and file names as mail programs write them in the wild, decoded as those programs show them."""

import pytest

from channels_app.email.parsing import parse_mail


def with_attachment(disposition: bytes, content_type: bytes = b"Content-Type: application/pdf") -> bytes:
    return (
        b"From: a@example.org\r\nMessage-ID: <a@example.org>\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--XX\r\n" + content_type + b"\r\n" + disposition + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERg==\r\n--XX--\r\n"
    )


def test_raw_8bit_headers_read_as_windows_1252_like_mail_clients_do():
    # given: Outlook-style raw bytes in From and Subject, no encoded words, no charset
    raw = b"From: J\xfcrgen M\xfcller <j@example.org>\r\nSubject: Gr\xfc\xdfe \x96 caf\xe9 \x80 5\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n"
    # when
    mail = parse_mail(raw)
    # then
    assert mail.from_name == "Jürgen Müller"
    assert mail.subject == "Grüße – café € 5"


def test_raw_utf8_headers_stay_utf8():
    # when
    mail = parse_mail("From: Zoë <z@example.org>\r\nSubject: Café ☕\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n".encode())
    # then
    assert (mail.from_name, mail.subject) == ("Zoë", "Café ☕")


def test_bytes_windows_1252_leaves_unassigned_read_as_latin_1():
    # when: 0x81 and 0x9d have no Windows-1252 character
    mail = parse_mail(b"From: a@example.org\r\nSubject: A\x81B\x9dC \xe9\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n")
    # then
    assert mail.subject == "A\x81B\x9dC é"


def test_adjacent_encoded_words_join_without_the_space_between_them():
    # given: one UTF-8 character split over two encoded words (RFC 2047 section 6.2)
    raw = b"From: a@example.org\r\nSubject: =?utf-8?b?w6k=?= =?utf-8?b?w6k=?= =?utf-8?q?_ok?=\r\nMessage-ID: <a@b>\r\n\r\nx\r\n"
    # then
    assert parse_mail(raw).subject == "éé ok"


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        (b"Content-Disposition: attachment; filename==?UTF-8?B?UmVjaG51bmcgw6QucGRm?=", "Rechnung ä.pdf"),
        (b'Content-Disposition: attachment; filename="=?UTF-8?Q?Rechnung_=C3=A4?= =?UTF-8?Q?_2.pdf?="', "Rechnung ä 2.pdf"),
        (b"Content-Disposition: attachment; filename*=iso-8859-1''R%E9sum%E9.pdf", "Résumé.pdf"),
        (b'Content-Disposition: attachment; filename="R\xe9sum\xe9.pdf"', "Résumé.pdf"),
        (b'Content-Disposition: attachment; filename="C:\\\\Users\\\\anna\\\\Desktop\\\\invoice.pdf"', "invoice.pdf"),
        (b'Content-Disposition: attachment; filename="C:\\Users\\anna\\invoice 2.pdf"', "invoice 2.pdf"),
        (b'Content-Disposition: attachment; filename="\\\\\\\\server\\\\share\\\\scan.pdf"', "scan.pdf"),
        (b'Content-Disposition: attachment; filename="../../etc/passwd"', "passwd"),
        (b'Content-Disposition: attachment; filename="the \\"best\\" offer.pdf"', 'the "best" offer.pdf'),
    ],
)
def test_attachment_names_decode_as_their_sender_meant_them(disposition, name):
    # when
    mail = parse_mail(with_attachment(disposition))
    # then
    assert [a.filename for a in mail.attachments] == [name]


def test_an_unquoted_encoded_name_in_the_content_type_names_the_file():
    # when
    mail = parse_mail(
        with_attachment(b"Content-Disposition: attachment", b"Content-Type: application/pdf; name==?utf-8?Q?Angebot=5F1.pdf?=")
    )
    # then
    assert [a.filename for a in mail.attachments] == ["Angebot_1.pdf"]


def test_a_mail_that_is_a_forwarded_mail_as_a_whole_shows_the_forwarded_text():
    # given
    raw = (
        b"From: a@example.org\r\nMessage-ID: <a@b>\r\nSubject: Fwd: broken kettle\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: Carla <c@example.org>\r\nSubject: broken kettle\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"The kettle leaks since Monday.\r\n"
    )
    # when
    mail = parse_mail(raw)
    # then
    assert "The kettle leaks since Monday." in mail.text
    assert "From: Carla <c@example.org>" in mail.text
    assert mail.attachments == ()
