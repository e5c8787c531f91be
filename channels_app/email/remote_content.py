"""Where a URL in a mail points, read the way a browser reads it: the one classifier for remote content; pure.

A tracker only has to make the browser fetch something. Browsers (the WHATWG URL standard) strip
leading and trailing control characters and spaces, drop tabs and newlines anywhere, read
schemes case-insensitively, and for http(s) treat a backslash as a slash, so "/\\host/x.png",
"\\\\host/x.png" and "\\/host" all reach another host, like "//host". Anything that leaves our
origin is remote (blocked until the agent asks); data: and cid: are inline; a path on our
origin is local; every other scheme (javascript:, vbscript:, file:, ...) is unsafe and dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Kind(StrEnum):
    REMOTE = "remote"  # fetches from another host
    INLINE = "inline"  # data: or cid: (the mail's own part)
    LOCAL = "local"  # a path on our own origin
    UNSAFE = "unsafe"  # a scheme that runs or reads something: never kept
    EMPTY = "empty"


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_FETCHING_SCHEMES = {"http", "https", "ftp", "ws", "wss"}
_SPECIAL = _FETCHING_SCHEMES | {"file"}  # the WHATWG "special" schemes: backslash is a slash
_INLINE_SCHEMES = {"data", "cid"}
_LINK_SCHEMES = {"mailto", "tel"}  # fine in a link, fetch nothing


@dataclass(frozen=True)
class Classified:
    kind: Kind
    url: str  # as the browser would request it (scheme lower-cased, "\\" as "/"); "" if unsafe
    scheme: str = ""  # "" for a relative URL
    host: str = ""


def browser_form(url: str) -> str:
    """The URL after the browser's pre-processing: C0 controls and spaces trimmed, tabs and newlines removed."""
    return re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
                                             "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))  # fmt: skip


def classify(url: str) -> Classified:
    text = browser_form(url)
    if not text:
        return Classified(Kind.EMPTY, "")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return Classified(Kind.UNSAFE, "")  # a control character left inside: no honest URL has one
    found = _SCHEME.match(text)
    if found is None:
        return _relative(text)
    scheme = found.group(1).lower()
    rest = text[found.end() :]
    if scheme in _SPECIAL:
        rest = rest.replace("\\", "/")
    if scheme in _INLINE_SCHEMES:
        return Classified(Kind.INLINE, f"{scheme}:{rest}", scheme=scheme)
    if scheme in _LINK_SCHEMES:
        return Classified(Kind.LOCAL, f"{scheme}:{rest}", scheme=scheme)
    if scheme in _FETCHING_SCHEMES:
        # "http:host/x" and "https:/host" also reach a host in a browser (from a page of the other
        # scheme): whatever follows an http(s) scheme is treated as remote.
        normal = f"{scheme}://{rest.lstrip('/')}"
        return Classified(Kind.REMOTE, normal, scheme=scheme, host=_host(normal))
    return Classified(Kind.UNSAFE, "", scheme=scheme)


def _relative(text: str) -> Classified:
    path = text.replace("\\", "/")  # relative to our http(s) page: backslashes are slashes
    if path.startswith("//"):
        normal = "https:" + path  # protocol-relative: another host
        return Classified(Kind.REMOTE, normal, host=_host(normal))
    return Classified(Kind.LOCAL, path)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_remote(url: str) -> bool:
    return classify(url).kind is Kind.REMOTE


def srcset_urls(value: str) -> list[str]:
    """The URLs of a srcset ("a.png 1x, b.png 2x"): each candidate's URL, before its descriptor."""
    urls = []
    for candidate in value.split(","):
        parts = candidate.strip().split()
        if parts:
            urls.append(parts[0])
    return urls


_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.IGNORECASE)


def css_urls(value: str) -> list[str]:
    """The URLs a piece of CSS would fetch: url(...) in any form, and @import "..."."""
    unescaped = re.sub(r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(int(m.group(1), 16)), value)
    unescaped = re.sub(r"\\(.)", r"\1", unescaped)
    return [m.group(2) for m in _CSS_URL.finditer(unescaped)] + [m.group(2) for m in _CSS_IMPORT.finditer(unescaped)]
