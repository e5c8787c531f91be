"""Each webhook event kind becoming rows: Page comments and visitor posts, their edits and removals,
Messenger messages, echoes and receipts, and batches routed to their Page's channel (channels_app.facebook.events)."""

from __future__ import annotations

import logging

import pytest

from channels_app.models import WebhookEvent
from inbox.models import Conversation, Customer, DeliveryState, Identity, Message
from tests.channels_app.facebook.helpers import (
    COMMENT_AT,
    COMMENT_ID,
    GRAPH,
    MESSENGER_TEXT_AT,
    OTHER_PAGE_ID,
    PAGE_ID,
    POST_ID,
    PSID,
    load,
    make_facebook_channel,
    reply_in,
)

pytestmark = pytest.mark.django_db


# --- Page comments ----------------------------------------------------------------------------------


def test_a_comment_becomes_a_public_conversation_with_the_commenter_as_customer(post, channel):
    # when
    post(load("comment_add"))
    # then
    message = Message.objects.select_related("conversation", "author_identity").get()
    assert message.text == "Where is my order?"
    assert message.direction == "in"
    assert message.external_id == COMMENT_ID
    assert message.platform_time == COMMENT_AT
    assert message.conversation.visibility == "public"
    assert message.conversation.channel_id == channel.pk
    assert message.conversation.thread_key == f"post:{POST_ID}:comment:{COMMENT_ID}"
    assert (message.author_identity.kind, message.author_identity.external_id) == ("facebook", "6543219870")
    assert message.author_identity.display_name == "Jane Doe"
    assert message.conversation.customer.name == "Jane Doe"


def test_a_reply_under_a_comment_joins_the_comments_conversation(post):
    # given
    post(load("comment_add"))
    # when
    post(load("comment_reply_add"))
    # then
    assert Conversation.objects.count() == 1
    assert list(Message.objects.values_list("text", flat=True)) == ["Where is my order?", "It was due on Monday."]


def test_an_edited_comment_shows_the_new_text_and_keeps_the_old_one_in_raw(post):
    # given
    post(load("comment_add"))
    # when
    post(load("comment_edited"))
    # then
    message = Message.objects.get()
    assert message.text == "Where is my order #4521?"
    assert message.raw["edited"] is True
    assert message.raw["edits"][0]["previous_text"] == "Where is my order?"


def test_a_removed_comment_keeps_its_text_and_is_marked_removed_by_the_author(post):
    # given
    post(load("comment_add"))
    # when
    post(load("comment_remove"))
    # then
    message = Message.objects.get()
    assert message.text == "Where is my order?"
    assert message.raw["removed"] is True
    assert message.raw["removed_note"] == "removed by the author"


def test_the_pages_own_comment_is_recorded_as_our_reply_not_a_customer_message(post):
    # given
    post(load("comment_add"))
    # when
    post(load("page_comment"))
    # then
    reply = Message.objects.get(external_id="122131676912594941_1213590066983000")
    assert reply.direction == "out"
    assert reply.author_identity is None
    assert reply.starts_sla is False
    assert Conversation.objects.count() == 1
    assert not Identity.objects.filter(external_id=PAGE_ID).exists()


def test_a_visitor_post_and_its_comments_are_one_conversation(post):
    # when
    post(load("visitor_post"))
    post(load("visitor_post_comment"))
    # then
    conversation = Conversation.objects.get()
    assert conversation.thread_key == "post:448242228374517_122131677000000001"
    assert conversation.messages.count() == 2


def test_the_same_event_delivered_twice_is_one_message(post):
    # when
    post(load("comment_add"))
    post(load("comment_add"))
    # then: the copy is counted on the stored event, not stored again
    assert WebhookEvent.objects.get().duplicates == 1
    assert Message.objects.count() == 1


# --- batches and routing ----------------------------------------------------------------------------


def test_a_batched_delivery_routes_every_entry_to_its_page_and_acknowledges_the_rest(post, channel, caplog):
    # given
    second = make_facebook_channel(page_id=OTHER_PAGE_ID)
    caplog.set_level(logging.INFO, logger="channels_app.facebook")
    # when
    response = post(load("batched"))
    # then
    assert response.status_code == 200
    assert set(Message.objects.filter(channel=channel).values_list("external_id", flat=True)) == {
        "122131676912594941_1213590066984001",
        "m_BATCH_1",
        "m_BATCH_2",
    }
    assert list(Message.objects.filter(channel=second).values_list("external_id", flat=True)) == ["m_BATCH_OTHER_PAGE"]
    assert Conversation.objects.filter(channel=channel).count() == 3
    assert "facebook webhook for unknown page" in caplog.text
    assert "facebook change ignored" in caplog.text  # the reaction


# --- Messenger --------------------------------------------------------------------------------------


def test_a_messenger_message_becomes_a_private_conversation_for_the_person(post):
    # when
    post(load("messenger_text"))
    # then
    message = Message.objects.select_related("conversation", "author_identity").get()
    assert message.text == "Hi, I need help with my return."
    assert message.visibility == "private"
    assert message.platform_time == MESSENGER_TEXT_AT
    assert message.conversation.thread_key == f"messenger:{PSID}"
    assert message.conversation.visibility == "private"
    assert (message.author_identity.kind, message.author_identity.external_id) == ("facebook", PSID)


def test_a_messenger_attachment_is_kept_as_a_link_in_the_same_conversation(post):
    # given
    post(load("messenger_text"))
    # when
    post(load("messenger_attachment"))
    # then
    message = Message.objects.get(external_id="m_1457764197618:41d102a3e1ae206a38")
    assert message.text == "Here is the label"
    assert message.attachments == [
        {
            "name": "return_label.jpg",
            "content_type": "image",
            "size": None,
            "storage_key": "",
            "url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/return_label.jpg?_nc_cat=1&oh=abc",
        }
    ]
    assert Conversation.objects.count() == 1


def test_an_echo_from_another_app_is_recorded_as_outbound(post):
    # given
    post(load("messenger_text"))
    # when
    post(load("echo_other_app"))
    # then
    echo = Message.objects.get(external_id="m_ECHO_BUSINESS_SUITE_1")
    assert echo.direction == "out"
    assert echo.author_user is None
    assert echo.raw["echo"] == "other_app"
    assert echo.conversation.waiting_since is None
    assert Customer.objects.count() == 1


def test_an_echo_of_a_message_we_sent_is_not_a_second_message(post, channel, graph):
    # given
    post(load("messenger_text"))
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_ECHO_OWN_1"})
    sent = reply_in(Conversation.objects.get(), "Sorry to hear that, let me check.", at=MESSENGER_TEXT_AT, visibility="private")
    # when
    post(load("echo_own_app"))
    # then
    assert list(Message.objects.filter(direction="out").values_list("pk", flat=True)) == [sent.pk]
    assert Message.objects.get(pk=sent.pk).delivery_state == DeliveryState.SENT


def test_an_echo_of_our_send_that_arrives_first_is_replaced_by_the_reply(post, channel, graph):
    # given
    post(load("messenger_text"))
    post(load("echo_own_app"))
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_ECHO_OWN_1"})
    # when
    sent = reply_in(Conversation.objects.get(), "Sorry to hear that, let me check.", at=MESSENGER_TEXT_AT, visibility="private")
    # then
    assert list(Message.objects.filter(direction="out").values_list("pk", flat=True)) == [sent.pk]
    assert Message.objects.get(pk=sent.pk).external_id == "m_ECHO_OWN_1"


def test_delivery_and_read_events_move_our_message_forward(post, channel, graph):
    # given
    post(load("messenger_text"))
    graph.post(f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": PSID, "message_id": "m_SENT_BY_PARLEY_1"})
    sent = reply_in(Conversation.objects.get(), "On its way", at=MESSENGER_TEXT_AT, visibility="private")
    # when
    post(load("delivery"))
    delivered = Message.objects.get(pk=sent.pk).delivery_state
    post(load("read"))
    # then
    assert delivered == DeliveryState.DELIVERED
    assert Message.objects.get(pk=sent.pk).delivery_state == DeliveryState.READ


def test_events_for_a_page_without_a_channel_are_acknowledged_without_rows(post, caplog):
    # given
    payload = load("messenger_text")
    payload["entry"][0]["id"] = "999000999000"
    caplog.set_level(logging.INFO, logger="parley.webhooks")
    # when
    response = post(payload)
    # then: kept, ignored, with the reason an admin reads
    assert response.status_code == 200
    assert Message.objects.count() == 0
    event = WebhookEvent.objects.get()
    assert event.status == "ignored"
    assert "999000999000" in event.last_error
    assert "webhook event ignored" in caplog.text


def test_an_event_parley_cannot_read_is_logged_and_the_rest_of_the_delivery_lands(post, caplog):
    # given
    payload = load("batched")
    payload["entry"][1]["messaging"][0] = {"recipient": {"id": PAGE_ID}, "message": {"mid": "m_BROKEN", "text": "?"}}
    # when
    response = post(payload)
    # then
    assert response.status_code == 200
    assert not Message.objects.filter(external_id="m_BROKEN").exists()
    assert Message.objects.filter(external_id="m_BATCH_2").exists()
    assert "webhook event part skipped" in caplog.text
    [skipped] = WebhookEvent.objects.get().skipped
    assert skipped["reason"].startswith("messaging event: KeyError")
