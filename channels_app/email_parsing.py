"""Raw mail bytes -> a ParsedMail, with no I/O and no ORM.

Mail from the wild is broken in every way: unknown charsets, missing boundaries, bad base64, NUL
bytes, lone surrogates in headers. Every step here degrades (decode with replacement, keep what can
be read) rather than fail; only a mail with no header section or no sender at all raises
UnparseableMail, and the connector quarantines that with its raw bytes.
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.policy
import hashlib
import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3

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


# --- small helpers ---------------------------------------------------------------------------------


def clean_str(value: str) -> str:
    """Postgres refuses NUL and lone surrogates; mail headers carry both."""
    return value.encode("utf-8", errors="replace").decode("utf-8").replace("\x00", "")


MSGID_RE = re.compile(r"<([^<>\s]+)>")


def normalize_msgid(value: str) -> str:
    value = clean_str(value).strip()
    found = MSGID_RE.search(value)
    if found:
        return f"<{found.group(1)}>"
    value = value.strip("<> \t\r\n")
    return f"<{value}>" if value and " " not in value else ""


def msgid_list(value: str) -> tuple[str, ...]:
    ids = [f"<{m}>" for m in MSGID_RE.findall(clean_str(value))]
    if not ids and value.strip():
        single = normalize_msgid(value)
        ids = [single] if single else []
    return tuple(dict.fromkeys(ids))


def fallback_msgid(date: str, sender: str, subject: str) -> str:
    digest = hashlib.sha256("\n".join([date.strip(), sender.strip(), subject.strip()]).encode("utf-8", "replace"))
    return f"<{digest.hexdigest()[:40]}@no-message-id.parley.invalid>"


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Decode with the declared charset when Python knows it; otherwise UTF-8, then Windows-1252."""
    name = (charset or "").strip().strip('"').lower()
    if name:
        try:
            codecs.lookup(name)
        except LookupError:
            name = ""
    if name:
        return clean_str(payload.decode(name, errors="replace"))
    try:
        return clean_str(payload.decode("utf-8"))
    except UnicodeDecodeError:
        return clean_str(payload.decode("cp1252", errors="replace"))


def _raw_header(msg: Message, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def header(msg: Message, name: str) -> str:
    """A header as text; a header the policy cannot parse falls back to its raw, decoded-as-possible value."""
    try:
        value = msg.get(name)
        return clean_str(" ".join(str(value).split())) if value is not None else ""
    except Exception:  # noqa: BLE001 - any header parser bug must degrade to the raw value, not lose the mail
        raw = _raw_header(msg, name)
        try:
            parts = email.header.decode_header(raw)
            return clean_str("".join(p.decode(c or "utf-8", "replace") if isinstance(p, bytes) else p for p, c in parts))
        except Exception:  # noqa: BLE001
            return clean_str(raw)


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    try:
        value = msg.get(name)
        if value is not None and getattr(value, "addresses", None):
            return [(clean_str(a.display_name), clean_str(a.addr_spec)) for a in value.addresses if a.addr_spec]
    except Exception:  # noqa: S110 - a malformed header falls back to the lenient parser below
        pass
    raw = header(msg, name)
    return [(clean_str(n), clean_str(a)) for n, a in getaddresses([raw]) if "@" in a]


def _date(msg: Message) -> datetime | None:
    raw = header(msg, "Date")
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:  # a multipart whose structure broke: take its body as text
        raw = part.get_payload()
        return clean_str(raw if isinstance(raw, str) else "")
    return decode_bytes(payload, part.get_content_charset())


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    return clean_str(name or "")


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
    senders = _addresses(msg, "From") or _addresses(msg, "Sender") or _addresses(msg, "Return-Path")
    if not senders:
        raise UnparseableMail("The mail has no sender address (From).")
    try:
        return _parse(msg, senders[0], max_attachment_bytes)
    except UnparseableMail:
        raise
    except Exception as error:  # noqa: BLE001 - an unforeseen break in a wild mail goes to quarantine
        raise UnparseableMail(f"The mail could not be read: {type(error).__name__}: {error}") from error


def _parse(msg: Message, sender: tuple[str, str], max_attachment_bytes: int) -> ParsedMail:
    from_name, from_address = sender
    subject = header(msg, "Subject")
    date_raw = header(msg, "Date")
    own_id = normalize_msgid(header(msg, "Message-ID"))
    has_id = bool(own_id) and len(own_id) <= MAX_ID_LENGTH
    message_id = own_id if has_id else fallback_msgid(date_raw, from_address.lower(), subject)

    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[ParsedAttachment] = []
    _collect(msg, text_parts, html_parts, attachments, max_attachment_bytes)

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
        to=tuple(a.lower() for _, a in _addresses(msg, "To")),
        cc=tuple(a.lower() for _, a in _addresses(msg, "Cc")),
        subject=subject,
        date=_date(msg),
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
    )


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
    return disposition == "attachment" or (disposition != "inline" and bool(_filename(part)))


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
    name = _filename(part) or default_name
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


# --- text: quotes and signatures --------------------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"^(On .+wrote:|Am .+schrieb.*:|Le .+a écrit ?:|El .+escribió:|-{2,}\s*Original Message\s*-{2,}|From: .+)$",
    re.IGNORECASE,
)


def split_quoted(text: str) -> tuple[str, str]:
    """(what the sender wrote, the quoted reply and signature below it) for folding in the display."""
    lines = text.split("\n")
    cut = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line.rstrip("\r") == "-- " or stripped == "--":
            cut = index
            break
        if stripped.startswith(">") or _ATTRIBUTION.match(stripped):
            # A quote is folded only when the rest is mostly quote, not an inline ">" in a sentence.
            rest = [r for r in lines[index:] if r.strip()]
            quoted = [r for r in rest if r.strip().startswith(">") or _ATTRIBUTION.match(r.strip())]
            if len(quoted) * 2 >= len(rest):
                cut = index
                break
    if cut is None:
        return text, ""
    main = "\n".join(lines[:cut]).strip()
    if not main:
        return text, ""
    return main, "\n".join(lines[cut:]).strip()


def text_to_html(main: str, quoted: str) -> str:
    def paragraphs(value: str) -> str:
        blocks = [b for b in re.split(r"\n\s*\n", value) if b.strip()]
        return "".join(f"<p>{html_lib.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)

    body = paragraphs(main)
    if quoted:
        body += f'<details class="email-quoted"><summary>Show full text</summary>{paragraphs(quoted)}</details>'
    return nh3.clean(body, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_URL_SCHEMES)


# --- HTML ------------------------------------------------------------------------------------------

_TAGS = set(nh3.ALLOWED_TAGS) | {"details", "summary"}
_URL_SCHEMES = {"http", "https", "mailto", "cid", "tel"}
_ATTRIBUTES: dict[str, set[str]] = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["img"] = {"src", "alt", "width", "height", "title", "data-remote-src"}
_ATTRIBUTES["details"] = {"class"}
_ATTRIBUTES["a"] = {"href", "title"}
_VOID = {"area", "br", "col", "hr", "img", "wbr"}


def _is_remote(url: str) -> bool:
    lowered = url.strip().lower()
    return lowered.startswith(("http:", "https:", "//"))


class _Rewriter(HTMLParser):
    """Re-serialises nh3's (already safe, well-nested) output, letting a callback change <img> attributes."""

    def __init__(self, on_img: Callable[[dict[str, str]], dict[str, str]], fold_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.on_img = on_img
        self.fold_quotes = fold_quotes
        self.depth = 0
        self.top_start = 0  # index in out where the current top-level element began
        self.fold_at: int | None = None

    def _attrs(self, attrs: dict[str, str]) -> str:
        return "".join(f' {k}="{html_lib.escape(v, quote=True)}"' for k, v in attrs.items())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "img":
            values = self.on_img(values)
        if self.depth == 0:
            self.top_start = len(self.out)
        if tag == "blockquote" and self.fold_quotes and self.fold_at is None and self.top_start > 0:
            self.fold_at = self.top_start
        self.out.append(f"<{tag}{self._attrs(values)}>")
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "img":
            values = self.on_img(values)
        self.out.append(f"<{tag}{self._attrs(values)}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self.depth = max(0, self.depth - 1)
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.depth == 0 and data.strip():
            self.top_start = len(self.out)
        self.out.append(html_lib.escape(data, quote=False))

    def result(self) -> str:
        if self.fold_at is not None:
            head, tail = self.out[: self.fold_at], self.out[self.fold_at :]
            return (
                "".join(head) + '<details class="email-quoted"><summary>Show full text</summary>' + "".join(tail) + "</details>"
            )
        return "".join(self.out)


def _rewrite(html: str, on_img: Callable[[dict[str, str]], dict[str, str]], fold_quotes: bool = False) -> str:
    parser = _Rewriter(on_img, fold_quotes)
    parser.feed(html)
    parser.close()
    # nh3 again: whatever the rewrite produced, the stored HTML is sanitized by nh3 last.
    return nh3.clean(parser.result(), tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_URL_SCHEMES)


def _block_remote(attrs: dict[str, str]) -> dict[str, str]:
    src = attrs.get("src", "")
    if _is_remote(src):
        attrs.pop("src", None)
        attrs["data-remote-src"] = src
    return attrs


def sanitize_html(html: str) -> str:
    """nh3-sanitized HTML with remote images blocked (original in data-remote-src) and the quote folded."""
    first = nh3.clean(
        clean_str(html),
        tags=_TAGS - {"details", "summary"},
        clean_content_tags={"script", "style", "title", "head"},
        attributes={k: v - {"data-remote-src", "class"} for k, v in _ATTRIBUTES.items()},
        url_schemes=_URL_SCHEMES,
    )
    return _rewrite(first, _block_remote, fold_quotes=True)


def allow_remote_images(html: str) -> str:
    """The stored HTML with blocked remote images loaded (http and https only), for "Load remote images"."""

    def unblock(attrs: dict[str, str]) -> dict[str, str]:
        remote = attrs.pop("data-remote-src", "")
        if remote and _is_remote(remote) and "src" not in attrs:
            attrs["src"] = remote
        return attrs

    return _rewrite(html, unblock)


def replace_cid_images(html: str, urls: dict[str, str]) -> str:
    """Point <img src="cid:..."> at our stored inline images (download URLs)."""

    def point(attrs: dict[str, str]) -> dict[str, str]:
        src = attrs.get("src", "")
        if src.lower().startswith("cid:"):
            key = src[4:].strip("<>")
            if key in urls:
                attrs["src"] = urls[key]
        return attrs

    return _rewrite(html, point) if "cid:" in html.lower() else html


def has_blocked_images(html: str) -> bool:
    return "data-remote-src=" in html


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return clean_str(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip())


# --- subjects ----------------------------------------------------------------------------------------

TICKET_TOKEN = re.compile(r"\[#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|antw|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def ticket_number(subject: str) -> int | None:
    found = TICKET_TOKEN.search(subject)
    return int(found.group(1)) if found else None


def base_subject(subject: str) -> str:
    """The subject without Re:/Fwd: prefixes and ticket tokens."""
    stripped = TICKET_TOKEN.sub("", subject)
    return " ".join(_REPLY_PREFIX.sub("", stripped).split())
