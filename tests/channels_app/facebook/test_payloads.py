"""Graph payloads mapped to InboundMessage without a database: the captured webhook and poll shapes
in tests/fixtures/facebook, the Page they arrived for, and Graph's three ways of writing a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels_app.facebook import payloads
from channels_app.facebook.payloads import Page
from inbox.inbound import Attachment, AuthorIdentity
from tests.channels_app.facebook.helpers import APP_ID, COMMENT_AT, COMMENT_ID, MESSENGER_TEXT_AT, PAGE_ID, POST_ID, PSID, load

PAGE = Page(channel_id=7, page_id=PAGE_ID, page_name="Aurora Outdoor", app_id=APP_ID)
THREAD = f"post:{POST_ID}:comment:{COMMENT_ID}"


def _change(name: str) -> dict:
    return load(name)["entry"][0]["changes"][0]["value"]


def _messaging(name: str) -> dict:
    return load(name)["entry"][0]["messaging"][0]


def test_a_comment_is_a_public_inbound_message_from_the_commenter_in_the_thread_it_is_given():
    # given
    value = _change("comment_add")
    # when
    inbound = payloads.comment_inbound(value, page=PAGE, thread_key=THREAD, source="webhook")
    # then
    assert (inbound.channel_id, inbound.external_id, inbound.thread_key) == (7, COMMENT_ID, THREAD)
    assert inbound.author == AuthorIdentity(kind="facebook", external_id="6543219870", display_name="Jane Doe", handle="Jane Doe")
    assert (inbound.text, inbound.platform_time) == ("Where is my order?", COMMENT_AT)
    assert (inbound.visibility, inbound.direction) == ("public", "in")
    assert inbound.raw["kind"] == "comment"
    assert inbound.raw["parent_id"] == POST_ID


def test_the_pages_own_comment_is_outbound_and_written_by_the_page():
    # given
    value = _change("page_comment")
    # when
    inbound = payloads.comment_inbound(value, page=PAGE, thread_key=THREAD, source="webhook")
    # then
    assert inbound.direction == "out"
    assert inbound.author == AuthorIdentity(kind="facebook", external_id=PAGE_ID, display_name="Aurora Outdoor")


def test_a_comment_without_its_author_gets_an_identity_of_its_own():
    # given
    value = {**_change("comment_add"), "from": {}}
    # when
    inbound = payloads.comment_inbound(value, page=PAGE, thread_key=THREAD, source="poll")
    # then
    assert inbound.author.external_id == f"anonymous:{COMMENT_ID}"
    assert inbound.author.display_name == "Facebook user"


def test_a_polled_comment_takes_the_webhook_shape_with_the_post_as_its_parent():
    # given
    comment = {"id": COMMENT_ID, "message": "Hello", "created_time": "2025-03-22T18:20:04+0000", "from": {"id": "1"}}
    # when
    value = payloads.polled_comment(comment, post_id=POST_ID)
    # then
    assert payloads.comment_ids(value) == (COMMENT_ID, POST_ID, POST_ID)
    assert value["message"] == "Hello"


def test_a_messenger_message_from_a_new_person_is_private_with_a_placeholder_handle():
    # given
    event = _messaging("messenger_text")
    # when
    inbound = payloads.messenger_inbound(event, page=PAGE, first_seen=True)
    # then
    assert inbound.thread_key == f"messenger:{PSID}"
    assert inbound.author == AuthorIdentity(kind="facebook", external_id=PSID, handle="Messenger user 4567")
    assert (inbound.visibility, inbound.direction, inbound.platform_time) == ("private", "in", MESSENGER_TEXT_AT)


def test_a_messenger_person_seen_before_keeps_the_name_they_have():
    # given
    event = _messaging("messenger_text")
    # when
    inbound = payloads.messenger_inbound(event, page=PAGE, first_seen=False)
    # then
    assert inbound.author.handle == ""


@pytest.mark.parametrize(("fixture", "echo"), [("echo_own_app", "own_app"), ("echo_other_app", "other_app")])
def test_an_echo_is_the_pages_outbound_message_in_the_persons_thread(fixture, echo):
    # given
    event = _messaging(fixture)
    # when
    inbound = payloads.messenger_inbound(event, page=PAGE, first_seen=False)
    # then
    assert payloads.messenger_psid(event) == PSID
    assert inbound.thread_key == f"messenger:{PSID}"
    assert (inbound.direction, inbound.author.external_id) == ("out", PAGE_ID)
    assert inbound.raw["echo"] == echo


def test_a_messenger_attachment_is_a_link_named_after_its_file():
    # given
    event = _messaging("messenger_attachment")
    # when
    inbound = payloads.messenger_inbound(event, page=PAGE, first_seen=False)
    # then
    assert inbound.attachments == (
        Attachment(
            name="return_label.jpg",
            content_type="image",
            url="https://scontent.xx.fbcdn.net/v/t1.15752-9/return_label.jpg?_nc_cat=1&oh=abc",
        ),
    )


def test_a_polled_messenger_message_from_the_page_is_outbound_in_the_persons_thread():
    # given
    conversation = load("poll_conversations")["data"][0]
    person = conversation["participants"]["data"][0]
    ours, theirs = conversation["messages"]["data"]
    # when
    outbound = payloads.polled_messenger_inbound(ours, person, page=PAGE, first_seen=False)
    inbound = payloads.polled_messenger_inbound(theirs, person, page=PAGE, first_seen=False)
    # then
    assert (outbound.direction, inbound.direction) == ("out", "in")
    assert outbound.thread_key == inbound.thread_key == f"messenger:{PSID}"
    assert inbound.author.display_name == "Jane Doe"
    assert inbound.platform_time == MESSENGER_TEXT_AT


@pytest.mark.parametrize(
    "value",
    [1742670000, 1742670000000, "2025-03-22T19:00:00+0000", "2025-03-22T19:00:00Z", "2025-03-22T19:00:00"],
    ids=["seconds", "milliseconds", "iso-graph", "iso-z", "iso-naive"],
)
def test_graph_times_in_every_form_are_the_same_aware_moment(value):
    # when
    moment = payloads.parse_time(value)
    # then
    assert moment == datetime(2025, 3, 22, 19, 0, tzinfo=UTC)
