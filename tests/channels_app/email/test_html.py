"""Mail HTML made safe: sanitising, remote images blocked and restored, quoted text folded."""

from channels_app.email.html import allow_remote_images, sanitize_html, split_quoted


def test_a_quoted_reply_in_text_is_split_from_the_new_text():
    # when
    main, quoted = split_quoted("Still broken.\n\nOn Mon, 23 Nov 2026 Support wrote:\n> Try again\n> Regards")
    # then
    assert main == "Still broken."
    assert quoted.startswith("On Mon, 23 Nov 2026 Support wrote:")


def test_a_single_inline_greater_than_sign_is_not_a_quote():
    # when
    main, quoted = split_quoted("Price went from 10\n> 12 which is odd\nand more text\nand more\nand more")
    # then
    assert quoted == ""


def test_html_is_sanitized_and_remote_images_are_blocked_but_kept_for_later():
    # when
    html = sanitize_html(
        '<p onmouseover="x()">Hi<script>alert(1)</script></p><img src="http://evil.example/t.gif" alt="t">'
        '<a href="javascript:alert(2)">x</a><iframe src="https://evil.example"></iframe><style>p{}</style>'
    )
    # then
    assert html == '<p>Hi</p><img alt="t" data-remote-src="http://evil.example/t.gif"><a rel="noopener noreferrer">x</a>'


def test_loading_remote_images_restores_only_http_sources():
    # given
    blocked = '<img data-remote-src="https://cdn.example/a.png"><img alt="x" data-remote-src="javascript:alert(1)">'
    # when
    html = allow_remote_images(blocked)
    # then
    assert html == '<img src="https://cdn.example/a.png"><img alt="x">'


def test_a_mail_cannot_smuggle_its_own_blocked_image_marker():
    # when
    html = sanitize_html('<img alt="x" data-remote-src="https://evil.example/a.png">')
    # then
    assert html == '<img alt="x">'


def test_an_html_quote_is_folded_behind_show_full_text():
    # when
    html = sanitize_html("<p>New answer</p><div><p>On Monday you wrote:</p><blockquote>old</blockquote></div>")
    # then
    assert html == (
        '<p>New answer</p><details class="email-quoted"><summary>Show full text</summary>'
        "<div><p>On Monday you wrote:</p><blockquote>old</blockquote></div></details>"
    )
