"""Graph payloads with fields left out or typed differently, delivered through /webhooks/facebook.

Shapes in tests/fixtures/facebook (see its README): Messenger fallback attachments whose payload is
a string or null, a message without a timestamp, and the older feed shape (sender_id, no from).
"""

from __future__ import annotations

import pytest

from channels_app.models import WebhookEvent
from inbox.models import Conversation, Message
from tests.channels_app.facebook.helpers import load

pytestmark = pytest.mark.django_db


def test_fallback_attachments_with_a_string_or_null_payload_are_kept_as_links(post):
    # when
    post(load("messenger_fallback_attachments"))
    # then
    shared = Message.objects.get(external_id="m_fallback_string")
    assert shared.attachments == [
        {
            "name": "Kettle recall notice",
            "content_type": "fallback",
            "size": None,
            "url": "https://example.com/kettle-recall",
            "storage_key": "",
        }
    ]
    post_link = Message.objects.get(external_id="m_fallback_null")
    assert post_link.attachments[0]["url"] == "https://www.facebook.com/share/p/abc"
    assert post_link.attachments[0]["name"] == "Shared post"


def test_a_messenger_message_without_a_timestamp_gets_the_delivery_time_and_says_so(post):
    # when
    post(load("messenger_fallback_attachments"))
    # then
    event = WebhookEvent.objects.get()
    undated = Message.objects.get(external_id="m_no_timestamp")
    assert undated.platform_time == event.received_at
    assert undated.raw["time_estimated"] is True
    assert "time_estimated" not in Message.objects.get(external_id="m_fallback_string").raw


def test_the_older_feed_shape_knows_the_pages_own_post_and_its_visitors(post):
    # when
    post(load("feed_sender_id_shape"))
    # then: the Page's own post is no conversation; the visitor's post and the comment are customers'
    assert not Message.objects.filter(external_id="448242228374517_122131677000000099").exists()
    visitor = Message.objects.select_related("author_identity").get(external_id="448242228374517_122131677000000100")
    assert (visitor.author_identity.external_id, visitor.author_identity.display_name) == ("7788990012", "Kari Nordmann")
    assert visitor.direction == "in"
    comment = Message.objects.select_related("author_identity").get(external_id="122131677000000099_55501")
    assert comment.author_identity.display_name == "Per Hansen"
    assert Conversation.objects.count() == 2
    assert WebhookEvent.objects.get().skipped == []


def test_a_comment_by_the_page_in_the_older_shape_is_our_reply(post):
    # given: the visitor's comment is in
    post(load("feed_sender_id_shape"))
    answer = load("feed_sender_id_shape")
    change = answer["entry"][0]["changes"][2]["value"]
    change.update(
        comment_id="122131677000000099_55502",
        parent_id="122131677000000099_55501",
        sender_id=448242228374517,
        sender_name="Acme Kettles",
        message="Yes, we do!",
    )
    answer["entry"][0]["changes"] = [answer["entry"][0]["changes"][2]]
    # when
    post(answer)
    # then: the Page's comment is recorded as our reply in the visitor's conversation
    reply = Message.objects.get(external_id="122131677000000099_55502")
    assert reply.direction == "out"
    assert reply.conversation_id == Message.objects.get(external_id="122131677000000099_55501").conversation_id
