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
    return clean_str(decode_8bit(payload))


def decode_8bit(data: bytes) -> str:
    """Undeclared 8-bit text as mail clients read it: UTF-8 when it is valid, else Windows-1252,
    whose five unassigned bytes read as Latin-1 (what Outlook and Thunderbird show)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(_cp1252_or_latin1(byte) for byte in data)


def _cp1252_or_latin1(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def _unescape_8bit(value: str) -> str | None:
    """A raw header value still holding undecoded 8-bit bytes (the parser's surrogate escapes), decoded;
    None when it holds none."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return None
    return decode_8bit(value.encode("utf-8", "surrogateescape"))


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; adjacent words (only whitespace between them) are joined, as
    section 6.2 says, so a multi-byte character split across two words survives."""
    if "=?" not in value:
        return value
    try:
        parts = email.header.decode_header(value)
    except Exception:  # noqa: BLE001 - a broken encoded word stays as written
        return value
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            try:
                out.append(chunk.decode(charset or "ascii"))
            except (LookupError, UnicodeDecodeError):
                out.append(decode_8bit(chunk))
        else:
            out.append(chunk)
    return "".join(out)


def _raw_header(msg: Message, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def header(msg: Message, name: str) -> str:
    """A header as text; a header the policy cannot parse falls back to its raw, decoded-as-possible value."""
    repaired = _unescape_8bit(_raw_header(msg, name))
    if repaired is not None:  # raw 8-bit bytes in a header: the policy would show U+FFFD for each
        return clean_str(" ".join(decode_words(repaired).split()))
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
    repaired = _unescape_8bit(_raw_header(msg, name))
    if repaired is not None:
        return [(clean_str(decode_words(n)), clean_str(a)) for n, a in getaddresses([repaired]) if "@" in a]
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


_PARAM = r"""(?:^|;)\s*{name}\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)"""


def _raw_param(part: Message, header_name: str, param: str) -> str:
    """A parameter as written in the raw header: quotes removed, backslashes kept (they may be a path)."""
    raw = " ".join(_raw_header(part, header_name).split())
    found = re.search(_PARAM.format(name=re.escape(param)), raw, re.IGNORECASE)
    if not found:
        return ""
    value = found.group(1).strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def filename_of(part: Message) -> str:
    """The attachment's file name as the sender's program meant it.

    Beyond what the standard library reads (RFC 2231): encoded words, also unquoted and adjacent
    (RFC 2047, which Outlook and Gmail write although the RFC forbids it in parameters), raw 8-bit
    names (UTF-8 or Windows-1252), and a Windows path, of which only the last part is the name
    (a quoted "C:\\Users\\x.pdf" would otherwise lose its backslashes as quoted-pair escapes).
    """
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    raw = _raw_param(part, "Content-Disposition", "filename") or _raw_param(part, "Content-Type", "name")
    raw = raw.replace('\\"', '"')  # an escaped quote is a quote; any other backslash is a path's
    if raw and (not name or "=?" in raw or "\\" in raw or _unescape_8bit(raw) is not None):
        name = _unescape_8bit(raw) or raw  # what the sender wrote, before quoted-pair unescaping
    name = decode_words(name)
    if "\\" in name or "/" in name:
        name = re.split(r"[\\/]+", name.rstrip("\\/"))[-1]
    return clean_str("".join(ch for ch in name if ch >= " " and ch != "\x7f").strip())
