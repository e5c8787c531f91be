"""The agent workspace in Debian's chromium against a real daphne on PostgreSQL and Redis.

The server is a daphne subprocess pointed at pytest-django's test database (same name, same
Redis prefix), and a real Celery worker in this process delivers the replies it queues. The test
process plays the platforms: it ingests inbound messages, whose pushes reach the browser through
Redis exactly as a worker's would.
"""

from __future__ import annotations

import time

import pytest

from inbox.actions import ingest_message
from inbox.models import Conversation, Message
from tests.browser.harness import BROWSER_MARKS, open_page
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = BROWSER_MARKS


@pytest.fixture
def world(transactional_db, celery_worker):
    team = make_team("Support")
    channel = make_channel(team=team, name="X support", config={"flavor": "x"})
    return {
        "team": team,
        "channel": channel,
        "alice": make_user(teams=[team], username="alice"),
        "bob": make_user(teams=[team], username="bob"),
    }


def _page_as(browser, server, user):
    return open_page(browser, server, user)


def _ingest(channel, text, thread_key="t1", author=None):
    inbound = make_inbound(channel=channel, text=text, thread_key=thread_key, author=author or make_author(display_name="Jo"))
    return ingest_message(inbound=inbound).conversation_id


def _live(page):
    page.locator("body[data-live='1']").wait_for()
    page.evaluate("() => { window.__sameDocument = 'yes'; }")


def test_a_new_inbound_appears_in_the_open_queue_within_two_seconds_without_reload(browser, server, world):
    # given
    page = _page_as(browser, server, world["alice"])
    page.goto("/")
    _live(page)
    # when
    started = time.monotonic()
    _ingest(world["channel"], "My blender arrived broken", author=make_author(display_name="Ravi", handle="@ravi"))
    page.locator("#queue-rows tr.row", has_text="My blender arrived broken").wait_for(timeout=2_000)
    elapsed = time.monotonic() - started
    # then
    assert elapsed < 2.0
    assert page.evaluate("() => window.__sameDocument") == "yes"
    assert "@ravi" in page.locator("#queue-rows").inner_text()
    assert page.csp_violations == []


def test_after_a_dropped_connection_the_queue_catches_up_on_what_it_missed(browser, server, world):
    # given
    page = _page_as(browser, server, world["alice"])
    page.goto("/")
    _live(page)
    page.evaluate("() => { window.parleyHoldReconnect = true; window.parleySocket.close(); }")
    page.locator("body[data-live='0']").wait_for()
    _ingest(world["channel"], "Sent while you were offline", thread_key="offline")
    time.sleep(1.0)  # the worker has pushed by now, to nobody
    # when
    page.evaluate("() => { window.parleyHoldReconnect = false; }")
    # then
    page.locator("#queue-rows tr.row", has_text="Sent while you were offline").wait_for(timeout=5_000)
    assert page.evaluate("() => window.__sameDocument") == "yes"


def test_a_public_and_a_private_reply_are_delivered_while_a_typed_reply_survives_updates(browser, server, world):
    # given
    conversation_id = _ingest(world["channel"], "Where is my parcel?")
    page = _page_as(browser, server, world["alice"])
    page.goto(f"/conversations/{conversation_id}/")
    _live(page)
    page.fill("#reply-text", "Half-written answer")
    _ingest(world["channel"], "Hello?? anyone")
    page.locator("#thread", has_text="Hello?? anyone").wait_for()
    kept = page.input_value("#reply-text")
    # when
    page.fill("#reply-text", "Public: we are on it")
    page.select_option("#reply-visibility", "public")
    page.click("#send-reply")
    page.locator("#thread li.msg", has_text="Public: we are on it").locator(".delivery-delivered").wait_for()
    page.select_option("#reply-visibility", "private")
    page.fill("#reply-public-note", "We have sent you a DM.")
    page.fill("#reply-text", "Private: your order number please")
    page.click("#send-reply")
    private = page.locator("#thread li.msg", has_text="Private: your order number please")
    private.locator(".delivery-delivered").wait_for()
    # then
    assert kept == "Half-written answer"
    assert "Private" in private.inner_text()
    states = set(
        Message.objects.filter(conversation_id=conversation_id, direction="out").values_list("visibility", "delivery_state")
    )
    assert states == {("public", "delivered"), ("private", "delivered")}
    assert page.evaluate("() => window.__sameDocument") == "yes"
    assert page.csp_violations == []


def test_a_second_browser_sees_the_first_agents_presence_and_typing(browser, server, world):
    # given
    conversation_id = _ingest(world["channel"], "Can I change my address?")
    alice = _page_as(browser, server, world["alice"])
    bob = _page_as(browser, server, world["bob"])
    alice.goto(f"/conversations/{conversation_id}/")
    _live(alice)
    bob.goto(f"/conversations/{conversation_id}/")
    _live(bob)
    # when
    alice.locator("#reply-text").press_sequentially("Sure, wh")
    # then
    bob.locator("#viewers", has_text="alice").wait_for()
    bob.locator("#typing", has_text="alice is typing").wait_for()
    alice.locator("#viewers", has_text="bob").wait_for()


def test_an_agent_of_another_team_gets_404_by_url(browser, server, world):
    # given
    conversation_id = _ingest(world["channel"], "Team secret")
    outsider = make_user(teams=[make_team("Elsewhere")], username="eve")
    page = _page_as(browser, server, outsider)
    # when
    response = page.goto(f"/conversations/{conversation_id}/")
    # then
    assert response.status == 404
    assert "Team secret" not in page.content()


def test_a_double_clicked_send_delivers_once(browser, server, world):
    # given
    conversation_id = _ingest(world["channel"], "Refund please")
    page = _page_as(browser, server, world["alice"])
    page.goto(f"/conversations/{conversation_id}/")
    _live(page)
    page.fill("#reply-text", "Refund issued")
    # when
    page.dblclick("#send-reply")
    page.locator("#thread li.msg", has_text="Refund issued").locator(".delivery-delivered").wait_for()
    time.sleep(0.5)  # give a second submit, had there been one, time to land
    # then
    sent = Message.objects.filter(conversation_id=conversation_id, direction="out")
    assert [(m.text, m.delivery_attempts) for m in sent] == [("Refund issued", 1)]
    assert Conversation.objects.get(pk=conversation_id).assignee == world["alice"]


def test_after_sending_from_the_keyboard_focus_is_back_in_the_composer_and_the_notice_follows_the_reply(browser, server, world):
    # given
    conversation_id = _ingest(world["channel"], "Is my order shipped?")
    page = _page_as(browser, server, world["alice"])
    page.goto(f"/conversations/{conversation_id}/")
    _live(page)
    page.keyboard.press("r")
    page.keyboard.type("Yes, it left the warehouse today")
    # when
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator("#thread li.msg", has_text="Yes, it left the warehouse today").locator(".delivery-delivered").wait_for()
    # then
    page.locator("#composer-sent", has_text="Reply delivered.").wait_for()
    assert page.evaluate("() => document.activeElement.id") == "reply-text"
    page.keyboard.type("N")
    assert page.locator("#composer-sent").count() == 0
    assert page.input_value("#reply-text") == "N"


def test_a_new_customer_message_is_announced_politely_without_moving_focus(browser, server, world):
    # given
    conversation_id = _ingest(world["channel"], "First question", thread_key="announce")
    page = _page_as(browser, server, world["alice"])
    page.goto(f"/conversations/{conversation_id}/")
    _live(page)
    page.focus("#reply-text")
    # when
    _ingest(world["channel"], "And a second one", thread_key="announce", author=make_author(display_name="Jo"))
    # then
    page.locator("#announcer", has_text="New message from Jo").wait_for()
    assert page.get_attribute("#announcer", "aria-live") == "polite"
    assert page.evaluate("() => document.activeElement.id") == "reply-text"


def test_after_resolving_with_e_focus_is_on_the_next_conversation_and_enter_opens_it(browser, server, world):
    # given two conversations waiting
    first = _ingest(world["channel"], "My parcel is lost", thread_key="first")
    second = _ingest(world["channel"], "Where is my refund?", thread_key="second", author=make_author(display_name="Ann"))
    page = _page_as(browser, server, world["alice"])
    page.goto(f"/conversations/{first}/")
    _live(page)
    # when
    page.keyboard.press("e")
    page.locator("#conv-status", has_text="Resolved").wait_for()
    # then focus is where the next action is
    page.wait_for_function("() => document.activeElement.id === 'next-conversation'")
    assert Conversation.objects.get(pk=first).status == "resolved"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/conversations/{second}/")


def test_after_setting_the_priority_from_the_keyboard_focus_stays_on_that_control(browser, server, world):
    # given
    conversation_id = _ingest(world["channel"], "My order is late", thread_key="priority")
    page = _page_as(browser, server, world["alice"])
    page.goto(f"/conversations/{conversation_id}/")
    _live(page)
    page.select_option("#conv-head select[name=priority]", "urgent")
    page.focus("#conv-head select[name=priority]")
    page.evaluate("() => { window.headBefore = document.getElementById('conv-head'); }")
    # when: Tab to "Set priority", Enter
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    _wait_for_priority(conversation_id, "urgent")
    page.wait_for_function("() => document.getElementById('conv-head') !== window.headBefore")
    page.wait_for_function("() => document.activeElement && document.activeElement.textContent === 'Set priority'")
    # then: the header was replaced, and focus is on the same control, not lost to the page
    assert page.evaluate("() => document.activeElement.closest('#conv-head') !== null")


def _wait_for_priority(conversation_id, priority, timeout=10.0):
    deadline = time.monotonic() + timeout
    while Conversation.objects.get(pk=conversation_id).priority != priority:
        assert time.monotonic() < deadline, "the priority was never saved"
        time.sleep(0.1)
