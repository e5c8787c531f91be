"""Remote content: one classifier that reads URLs as browsers do, and the sanitizer that uses it."""

import pytest

from channels_app.email.html import allow_remote_images, sanitize_html
from channels_app.email.remote_content import Kind, classify, css_urls, srcset_urls

# (as written in the mail, what it is, the host a browser would ask); from the WHATWG URL parsing
# rules: backslash is a slash for http(s) and for a relative URL on our http(s) page, tabs and
# newlines vanish, leading and trailing controls and spaces are trimmed, schemes ignore case.
CASES = [
    ("https://tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("http://tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("//tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("/\\tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("\\\\tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("\\/tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("https:\\\\tracker.example\\p.gif", Kind.REMOTE, "tracker.example"),
    ("HtTpS://Tracker.Example/p.gif", Kind.REMOTE, "tracker.example"),
    ("  \x01https://tracker.example/p.gif \x1f", Kind.REMOTE, "tracker.example"),
    ("ht\ttp\n://tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("/\t/tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("https:tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("http:/tracker.example/p.gif", Kind.REMOTE, "tracker.example"),
    ("ftp://files.example/p.gif", Kind.REMOTE, "files.example"),
    ("wss://socket.example/", Kind.REMOTE, "socket.example"),
    ("cid:logo@shop", Kind.INLINE, ""),
    ("CID:logo@shop", Kind.INLINE, ""),
    ("data:image/png;base64,iVBORw0KGgo=", Kind.INLINE, ""),
    (" DATA:image/gif;base64,R0lGOD", Kind.INLINE, ""),
    ("/email/attachments/4/", Kind.LOCAL, ""),
    ("images/logo.png", Kind.LOCAL, ""),
    ("../logo.png", Kind.LOCAL, ""),
    ("?x=1", Kind.LOCAL, ""),
    ("mailto:anna@example.org", Kind.LOCAL, ""),
    ("javascript:alert(1)", Kind.UNSAFE, ""),
    ("JaVa\tScRiPt:alert(1)", Kind.UNSAFE, ""),
    ("\x00javascript:alert(1)", Kind.UNSAFE, ""),
    ("vbscript:msgbox(1)", Kind.UNSAFE, ""),
    ("file:///etc/passwd", Kind.UNSAFE, ""),
    ("java\x00script:alert(1)", Kind.UNSAFE, ""),
    ("", Kind.EMPTY, ""),
    (" \t\n", Kind.EMPTY, ""),
]


@pytest.mark.parametrize(("url", "kind", "host"), CASES)
def test_urls_are_classified_as_a_browser_would_fetch_them(url, kind, host):
    # when
    found = classify(url)
    # then
    assert found.kind is kind
    assert found.host == host


def test_srcset_and_css_give_every_url_they_would_fetch():
    # then
    assert srcset_urls("a.png 1x, //t.example/b.png 2x,c.png") == ["a.png", "//t.example/b.png", "c.png"]
    assert css_urls("background: URL( 'https://t.example/a.png' ); x: \\75 rl(//t.example/b)") == [
        "https://t.example/a.png",
        "//t.example/b",
    ]
    assert css_urls('@import "https://t.example/s.css";') == ["https://t.example/s.css"]


@pytest.mark.parametrize(
    "src",
    ["/\\tracker.example/p.gif", "\\\\tracker.example/p.gif", "//tracker.example/p.gif", "HTTPS://tracker.example/p.gif",
     " https://tracker.example/p.gif", "ht&#x09;tps://tracker.example/p.gif", "&#x2F;&#x5C;tracker.example/p.gif"],
)  # fmt: skip
def test_the_sanitizer_blocks_remote_images_in_every_odd_form(src):
    # when
    html = sanitize_html(f'<p>Hi</p><img src="{src}" alt="x">')
    # then
    assert "tracker.example" in html  # kept for "Load remote images"
    assert 'src="' not in html.replace('data-remote-src="', "")
    assert allow_remote_images(html).count('src="https://tracker.example/p.gif"') == 1


def test_a_srcset_with_a_remote_image_and_styles_with_url_never_survive():
    # when
    html = sanitize_html(
        '<img src="cid:a" srcset="/\\tracker.example/2x.gif 2x"><p style="background:url(//tracker.example/bg)">x</p>'
        '<table background="https://tracker.example/t.gif"><tr><td>y</td></tr></table>'
        "<style>@import url(https://tracker.example/s.css);</style>"
    )
    # then
    assert "tracker.example" not in html
    assert "srcset" not in html and "style" not in html


def test_unsafe_links_are_dropped_and_ordinary_links_kept():
    # when
    html = sanitize_html(
        '<a href="JaVa&#x09;ScRiPt:alert(1)">a</a><a href="https://shop.example/help">b</a><a href="mailto:x@y.z">c</a>'
    )
    # then
    assert "alert" not in html
    assert 'href="https://shop.example/help"' in html and 'href="mailto:x@y.z"' in html
