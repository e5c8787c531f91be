"""Raw mail bytes -> a ParsedMail, with no I/O and no ORM.

Mail from the wild is broken in every way: unknown charsets, missing boundaries, bad base64, NUL
bytes, lone surrogates in headers. Every step here degrades (decode with replacement, keep what can
be read) rather than fail; only a mail with no header section or no sender at all raises
UnparseableMail, and the connector quarantines that with its raw bytes.
"""

from __future__ import annotations

import email
import email.policy
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesHeaderParser

from channels_app.email.decoding import (
    addresses,
    clean_str,
    date_of,
    decode_bytes,
    fallback_msgid,
    filename_of,
    header,
    msgid_list,
    normalize_msgid,
    part_text,
)
from channels_app.email.html import html_to_text, sanitize_html, split_quoted, text_to_html

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ID_LENGTH = 255  # Message.external_id and Conversation.thread_key


class UnparseableMail(ValueError):
    """The bytes cannot become a message (no headers, no sender): quarantine them, never drop them."""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    size: int
    content_id: str = ""  # without angle brackets; set for inline images referenced by cid:
    inline: bool = False
    too_large: bool = False  # bytes not kept (data is b""), only the name and size


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # "<id@host>", or a stable hash id when the mail has none
    has_message_id: bool
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str  # lower-cased
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str  # the whole text (text part, or the HTML converted), for snippets and search
    html: str  # sanitized, remote images blocked, quoted text folded; generated from text if none
    text_main: str  # text without the quoted reply and signature
    attachments: tuple[ParsedAttachment, ...] = ()
    auto_reply: bool = False
    bounce: bool = False
    bounce_refers_to: str = ""  # the Message-ID of the mail that bounced
    bounce_reason: str = ""
    defects: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    # Every Authentication-Results header, topmost (the receiving server's) first; see authenticity.
    auth_results: tuple[str, ...] = ()


# --- auto-replies and bounces -----------------------------------------------------------------------


def is_auto_reply(msg: Message) -> bool:
    auto_submitted = header(msg, "Auto-Submitted").lower()
    if auto_submitted.startswith("auto-"):
        return True
    if header(msg, "Precedence").lower() in {"bulk", "list", "junk"}:
        return True
    return bool(header(msg, "X-Autoreply") or header(msg, "X-Autorespond"))


def _bounce_details(msg: Message) -> tuple[str, str]:
    """(Message-ID the report refers to, the reason) for a multipart/report delivery report."""
    refers_to, reason = "", ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            text = ""
            for sub in part.get_payload() if isinstance(part.get_payload(), list) else []:
                text += "\n".join(f"{k}: {v}" for k, v in sub.items()) + "\n"
            if not text:
                text = part_text(part)
            diagnostic = re.search(r"^Diagnostic-Code:\s*(.+)$", text, re.MULTILINE | re.IGNORECASE)
            status = re.search(r"^Status:\s*(.+)$", text, re.MULTILINE | re.IGNORECASE)
            reason = (diagnostic.group(1) if diagnostic else status.group(1) if status else "").strip()
        elif ctype in ("message/rfc822", "text/rfc822-headers") and not refers_to:
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                refers_to = normalize_msgid(header(payload[0], "Message-ID"))
            else:
                headers = BytesHeaderParser(policy=email.policy.default).parsebytes(part.get_payload(decode=True) or b"")
                refers_to = normalize_msgid(header(headers, "Message-ID"))
    if not refers_to:
        ids = msgid_list(header(msg, "In-Reply-To")) or msgid_list(header(msg, "References"))
        refers_to = ids[-1] if ids else ""
    return refers_to, clean_str(reason)[:500]


# --- the parse -------------------------------------------------------------------------------------


def parse_mail(raw: bytes, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES) -> ParsedMail:
    if not raw or not raw.strip():
        raise UnparseableMail("The mail is empty.")
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as error:  # noqa: BLE001 - anything the parser throws means quarantine, not loss
        raise UnparseableMail(f"The mail could not be parsed: {type(error).__name__}: {error}") from error
    if not list(msg.keys()):
        raise UnparseableMail("The mail has no header section.")
    senders = addresses(msg, "From") or addresses(msg, "Sender") or addresses(msg, "Return-Path")
    if not senders:
        raise UnparseableMail("The mail has no sender address (From).")
    try:
        return _parse(msg, raw, senders[0], max_attachment_bytes)
    except UnparseableMail:
        raise
    except Exception as error:  # noqa: BLE001 - an unforeseen break in a wild mail goes to quarantine
        raise UnparseableMail(f"The mail could not be read: {type(error).__name__}: {error}") from error


def _parse(msg: Message, raw: bytes, sender: tuple[str, str], max_attachment_bytes: int) -> ParsedMail:
    from_name, from_address = sender
    subject = header(msg, "Subject")
    own_id = normalize_msgid(header(msg, "Message-ID"))
    has_id = bool(own_id) and len(own_id) <= MAX_ID_LENGTH
    message_id = own_id if has_id else fallback_msgid(raw)

    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[ParsedAttachment] = []
    body, intro = _forwarded(msg)
    _collect(body, text_parts, html_parts, attachments, max_attachment_bytes)
    if intro:
        # The whole mail is a forwarded one: show its text under who wrote it, as mail programs do.
        if html_parts:
            html_parts.insert(0, "<p>" + "<br>".join(html_lib.escape(line) for line in intro.split("\n")) + "</p>")
        text_parts.insert(0, intro)

    text = "\n\n".join(t for t in text_parts if t.strip())
    html_source = "\n".join(html_parts)
    if not text and html_source:
        text = html_to_text(html_source)
    text = text.replace("\r\n", "\n").strip()
    text_main, quoted = split_quoted(text)
    html = sanitize_html(html_source) if html_source.strip() else text_to_html(text_main, quoted)

    bounce = msg.get_content_type() == "multipart/report"
    refers_to, reason = _bounce_details(msg) if bounce else ("", "")
    defects = tuple(sorted({type(d).__name__ for part in msg.walk() for d in part.defects}))
    keep = (
        "Message-ID",
        "In-Reply-To",
        "References",
        "From",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Auto-Submitted",
        "Precedence",
        "Reply-To",
    )
    return ParsedMail(
        message_id=message_id,
        has_message_id=has_id,
        in_reply_to=msgid_list(header(msg, "In-Reply-To")),
        references=msgid_list(header(msg, "References"))[-50:],
        from_address=from_address.lower(),
        from_name=from_name,
        to=tuple(a.lower() for _, a in addresses(msg, "To")),
        cc=tuple(a.lower() for _, a in addresses(msg, "Cc")),
        subject=subject,
        date=date_of(msg),
        text=text,
        html=html,
        text_main=text_main,
        attachments=tuple(attachments),
        auto_reply=is_auto_reply(msg),
        bounce=bounce,
        bounce_refers_to=refers_to,
        bounce_reason=reason,
        defects=defects,
        headers={name: header(msg, name)[:2000] for name in keep if header(msg, name)},
        auth_results=tuple(
            clean_str(str(value))[:4000] for key, value in msg.raw_items() if key.lower() == "authentication-results"
        )[:20],
    )


def _forwarded(msg: Message) -> tuple[Message, str]:
    """(the part holding the text, an intro naming the forwarded mail's sender) for a mail that is
    one message/rfc822 as a whole; (the mail, "") otherwise."""
    if msg.get_content_type() != "message/rfc822":
        return msg, ""
    inner = msg.get_payload()
    if not isinstance(inner, list) or not inner or not isinstance(inner[0], Message):
        return msg, ""
    forwarded = inner[0]
    lines = ["---------- Forwarded message ----------"]
    lines += [f"{name}: {header(forwarded, name)}" for name in ("From", "Date", "Subject", "To") if header(forwarded, name)]
    return forwarded, "\n".join(lines)


def _collect(part: Message, texts: list[str], htmls: list[str], attachments: list[ParsedAttachment], limit: int) -> None:
    ctype = part.get_content_type()
    if part.get_content_maintype() == "message":
        attachments.append(_attachment(part, limit))  # a forwarded mail is an attachment, not our body
        return
    if part.is_multipart():
        payload = part.get_payload()
        children = payload if isinstance(payload, list) else []
        if ctype == "multipart/alternative":
            # One body from the alternatives: the last plain and the last HTML (most faithful last).
            plain = [c for c in children if c.get_content_type() == "text/plain" and not _is_attachment(c)]
            rich = [c for c in children if c.get_content_type() == "text/html" and not _is_attachment(c)]
            if plain:
                texts.append(part_text(plain[-1]))
            if rich:
                htmls.append(part_text(rich[-1]))
            for child in children:
                if child not in plain and child not in rich:
                    _collect(child, texts, htmls, attachments, limit)
            return
        if not children:  # the boundary never appears: keep the body as text
            texts.append(part_text(part))
            return
        for child in children:
            if ctype == "multipart/report" and child.get_content_type() in (
                "message/delivery-status",
                "message/rfc822",
                "text/rfc822-headers",
            ):
                continue  # read by _bounce_details; the human-readable part is the text
            _collect(child, texts, htmls, attachments, limit)
        return
    if part.get_content_maintype() == "multipart":
        # Declared multipart, but its boundary never appears: try the boundary the body really
        # uses; failing that, keep the body as text.
        body = part.get_payload(decode=True) or b""
        found = re.search(rb"^--([^\s]{1,70})\s*$", body, re.MULTILINE)
        if found:
            repaired = email.message_from_bytes(
                b'Content-Type: multipart/mixed; boundary="' + found.group(1) + b'"\r\n\r\n' + body,
                policy=email.policy.default,
            )
            if repaired.is_multipart() and isinstance(repaired.get_payload(), list) and repaired.get_payload():
                for child in repaired.get_payload():
                    _collect(child, texts, htmls, attachments, limit)
                return
        texts.append(decode_bytes(body, part.get_content_charset()))
        return
    if ctype in ("text/plain", "text/html") and not _is_attachment(part):
        (texts if ctype == "text/plain" else htmls).append(part_text(part))
        return
    attachments.append(_attachment(part, limit))


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or (disposition != "inline" and bool(filename_of(part)))


def _attachment(part: Message, limit: int) -> ParsedAttachment:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        inner = part.get_payload()
        data = inner[0].as_bytes() if isinstance(inner, list) and inner else (part.get_payload(decode=True) or b"")
        default_name = "forwarded.eml"
    else:
        data = part.get_payload(decode=True) or b""
        default_name = "attachment" + {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}.get(ctype, ".bin")
    content_id = normalize_msgid(header(part, "Content-ID")).strip("<>")
    name = filename_of(part) or default_name
    inline = bool(content_id) and part.get_content_maintype() == "image"
    too_large = len(data) > limit
    return ParsedAttachment(
        filename=name[:200],
        content_type=ctype,
        data=b"" if too_large else data,
        size=len(data),
        content_id=content_id,
        inline=inline,
        too_large=too_large,
    )
