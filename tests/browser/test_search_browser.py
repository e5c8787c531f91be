"""A newcomer finds a conversation by its order number in the demo workspace, from the keyboard."""

from __future__ import annotations

from inbox.models import Message
from tests.browser.harness import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def test_slash_focuses_search_and_an_order_number_finds_its_conversation(page_as, workspace):
    # given
    message = Message.objects.filter(text__contains="#40712").get()
    page = page_as("agent")
    page.goto("/")
    page.locator("body[data-live='1']").wait_for()
    # when
    page.keyboard.press("/")
    focused = page.evaluate("() => document.activeElement.id")
    page.keyboard.type("#40712")
    page.keyboard.press("Enter")
    page.locator("#conversation-results").wait_for()
    first = page.locator("#conversation-results li").first
    marked = first.locator(".snippet mark").inner_text()
    first.locator("a").first.click()
    # then
    assert focused == "global-search"
    assert marked == "40712"
    page.locator(f"#msg-{message.pk}", has_text="#40712").wait_for()
    assert page.url.endswith(f"/conversations/{message.conversation_id}/#msg-{message.pk}")
    assert page.csp_violations == []
