"""Mail HTML made safe to show, and text and HTML made from each other, with no I/O and no ORM.

nh3 sanitises every stored body last, whatever was rewritten before it. Remote images are blocked
(the source kept in data-remote-src, for "Load remote images" on one message; what counts as
remote is decided by channels_app.email.remote_content alone), cid: images point at
our stored copies, and the quoted reply and signature are folded behind "Show full text".
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from html.parser import HTMLParser

import nh3

from channels_app.email.decoding import clean_str
from channels_app.email.remote_content import Kind, classify, css_urls, is_remote, srcset_urls

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
_ATTRIBUTES["img"] = {"src", "srcset", "alt", "width", "height", "title", "data-remote-src"}
_ATTRIBUTES["details"] = {"class"}
_ATTRIBUTES["a"] = {"href", "title"}
_VOID = {"area", "br", "col", "hr", "img", "wbr"}


_URL_ATTRIBUTES = {"src", "href", "cite", "longdesc", "background", "poster"}


def _filter_urls(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: every URL-bearing attribute judged by the one classifier (remote_content).

    Unsafe URLs go; a remote one is kept in the form the browser would request, so the image
    blocker below sees "/\\host" as the remote "https://host" it is; a srcset survives only if
    none of its images is remote, and a style attribute only without url() of any kind.
    """
    if attribute in _URL_ATTRIBUTES:
        found = classify(value)
        if found.kind is Kind.UNSAFE:
            return None
        return found.url if found.kind is Kind.REMOTE else value
    if attribute == "srcset":
        return value if all(classify(url).kind in (Kind.LOCAL, Kind.INLINE) for url in srcset_urls(value)) else None
    if attribute == "style":
        return None if css_urls(value) or "url(" in value.lower() or "@import" in value.lower() else value
    return value


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
    if is_remote(src):
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
        attribute_filter=_filter_urls,
    )
    return _rewrite(first, _block_remote, fold_quotes=True)


def allow_remote_images(html: str) -> str:
    """The stored HTML with blocked remote images loaded (http and https only), for "Load remote images"."""

    def unblock(attrs: dict[str, str]) -> dict[str, str]:
        remote = classify(attrs.pop("data-remote-src", ""))
        if remote.kind is Kind.REMOTE and remote.scheme in ("http", "https", "") and "src" not in attrs:
            attrs["src"] = remote.url
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
