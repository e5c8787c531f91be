"""What mail from the wild carries, decoded without failing: header values, addresses, Message-IDs, charsets.

Unknown charsets, bad encoded-words, NUL bytes and lone surrogates all degrade to readable text
(decode with replacement, keep what can be read); nothing here raises on a broken mail.
"""

from __future__ import annotations

import codecs
import email.header
import hashlib
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime


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


def fallback_msgid(raw: bytes) -> str:
    """A stable id for a mail without a (usable) Message-ID: the hash of the whole mail, so two
    different mails never share one (Date, From and Subject alone often coincide)."""
    digest = hashlib.sha256(raw.replace(b"\r\n", b"\n"))
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


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    try:
        value = msg.get(name)
        if value is not None and getattr(value, "addresses", None):
            return [(clean_str(a.display_name), clean_str(a.addr_spec)) for a in value.addresses if a.addr_spec]
    except Exception:  # noqa: S110 - a malformed header falls back to the lenient parser below
        pass
    raw = header(msg, name)
    return [(clean_str(n), clean_str(a)) for n, a in getaddresses([raw]) if "@" in a]


def date_of(msg: Message) -> datetime | None:
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


def filename_of(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    return clean_str(name or "")
