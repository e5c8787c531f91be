"""A notification reaches the bell of an open page live, and the browser's own pop-up when allowed."""

from __future__ import annotations

import threading
import time

import pytest

from inbox.actions import ingest_message, notify
from inbox.models import Conversation
from tests.browser.harness import BROWSER_MARKS, open_page
from tests.factories import make_channel, make_inbound, make_team, make_user

pytestmark = BROWSER_MARKS

RECORD_POPUPS = """
window.__popups = [];
window.Notification = class { constructor(title, options) { window.__popups.push([title, options && options.body]); } };
window.Notification.permission = "granted";
window.Notification.requestPermission = () => Promise.resolve("granted");
"""


@pytest.fixture
def world(transactional_db):
    team = make_team("Support")
    channel = make_channel(team=team, name="X support", config={"flavor": "x"})
    result = ingest_message(inbound=make_inbound(channel=channel, text="Worst service ever"))
    return {
        "alice": make_user(teams=[team], username="alice"),
        "conversation": Conversation.objects.get(pk=result.conversation_id),
    }


def test_a_notification_appears_live_in_the_bell_and_as_a_browser_notification(browser, server, world):
    # given alice has the queue open, and her browser allows notifications
    page = open_page(browser, server, world["alice"])
    page.context.add_init_script(RECORD_POPUPS)
    page.goto("/")
    page.locator("#bell[data-live='1']").wait_for()
    assert page.locator("#bell-count").inner_text() == "0"
    # when a rule tells her about a conversation
    started = time.monotonic()
    # From another thread, as the worker would: Playwright's own event loop runs in this one.
    sender = threading.Thread(
        target=notify,
        kwargs={
            "users": [world["alice"]],
            "kind": "rule",
            "conversation": world["conversation"],
            "text": "Loud first complaint: first complaint, 48,200 followers",
        },
    )
    sender.start()
    sender.join()
    page.locator("#bell-count", has_text="1").wait_for(timeout=3_000)
    elapsed = time.monotonic() - started
    # then, without a reload
    assert elapsed < 3.0
    assert "48,200 followers" in page.locator("#bell-live").inner_text()
    assert page.evaluate("() => window.__popups") == [["Parley", "Loud first complaint: first complaint, 48,200 followers"]]
    # and the list has it, linked to the conversation
    page.locator("#bell a").click()
    page.locator(".notification.unread", has_text="48,200 followers").wait_for()
    # and with the list open, a new one joins it without a reload
    sender = threading.Thread(
        target=notify,
        kwargs={"users": [world["alice"]], "kind": "rule", "conversation": world["conversation"], "text": "Second one"},
    )
    sender.start()
    sender.join()
    page.locator(".notification.unread", has_text="Second one").wait_for(timeout=3_000)
    page.locator("#notification-heading", has_text="2 unread").wait_for(timeout=3_000)
    page.locator("#mark-all-read").click()
    page.locator("#bell-count", has_text="0").wait_for()
    assert page.csp_violations == []
