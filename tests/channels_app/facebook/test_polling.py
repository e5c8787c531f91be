"""The polling fallback: Page feed comments and Messenger conversations read through facebook-sdk,
deduplicated against webhooks, with cursors and a back-off on the usage headers."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from channels_app.facebook.connector import FacebookConnector
from channels_app.tasks import poll_channel
from inbox.models import Channel, ChannelStatus, Conversation, Message
from tests.channels_app.facebook.helpers import COMMENT_ID, GRAPH, PAGE_ID, POST_ID, PSID, load

pytestmark = pytest.mark.django_db

FEED = f"{GRAPH}/{PAGE_ID}/feed"
CONVERSATIONS = f"{GRAPH}/{PAGE_ID}/conversations"


def test_a_poll_turns_feed_comments_and_messenger_messages_into_conversations(channel, graph):
    # given
    graph.get(FEED, json=load("poll_feed"))
    graph.get(CONVERSATIONS, json=load("poll_conversations"))
    # when
    created = FacebookConnector(channel).poll()
    # then
    assert created == 5
    comment_thread = Conversation.objects.get(thread_key=f"post:{POST_ID}:comment:{COMMENT_ID}")
    assert list(comment_thread.messages.values_list("text", flat=True)) == ["Where is my order?", "It was due on Monday."]
    assert Conversation.objects.filter(thread_key="post:448242228374517_122131677000000001").exists()
    messenger = Conversation.objects.get(thread_key=f"messenger:{PSID}")
    assert list(messenger.messages.values_list("direction", "text")) == [
        ("in", "Hi, I need help with my return."),
        ("out", "Let me check that for you."),
    ]
    assert messenger.identity.display_name == "Jane Doe"


def test_a_poll_asks_graph_for_comments_and_messenger_conversations_with_the_pinned_version(channel, graph):
    # given
    feed = graph.get(FEED, json=load("poll_feed"))
    conversations = graph.get(CONVERSATIONS, json=load("poll_conversations"))
    # when
    FacebookConnector(channel).poll()
    # then
    feed_query = parse_qs(urlparse(feed.calls[0].request.url).query)
    conversations_query = parse_qs(urlparse(conversations.calls[0].request.url).query)
    assert "comments.filter(stream).order(reverse_chronological)" in feed_query["fields"][0]
    assert conversations_query["platform"] == ["messenger"]
    assert feed_query["access_token"] == [f"page-token-{PAGE_ID}"]


def test_a_poll_after_the_webhooks_adds_only_what_they_missed(channel, graph, post):
    # given
    post(load("comment_add"))
    post(load("comment_reply_add"))
    post(load("messenger_text"))
    graph.get(FEED, json=load("poll_feed"))
    graph.get(CONVERSATIONS, json=load("poll_conversations"))
    # when
    created = FacebookConnector(channel).poll()
    # then
    assert created == 2  # the visitor post and the Page's Messenger answer
    assert Message.objects.count() == 5
    assert Conversation.objects.count() == 3


def test_a_second_poll_with_nothing_new_creates_nothing_and_keeps_the_cursor(channel, graph):
    # given
    graph.get(FEED, json=load("poll_feed"))
    graph.get(CONVERSATIONS, json=load("poll_conversations"))
    FacebookConnector(channel).poll()
    cursor = Channel.objects.get(pk=channel.pk).cursor
    # when
    created = FacebookConnector(Channel.objects.get(pk=channel.pk)).poll()
    # then
    assert created == 0
    assert (
        Channel.objects.get(pk=channel.pk).cursor
        == cursor
        == {
            "feed_since": "2025-03-22T18:36:44+00:00",
            "messenger_since": "2025-03-22T19:01:00+00:00",
        }
    )


def test_a_poll_backs_off_when_the_page_usage_is_above_80_percent(channel, graph):
    # given
    graph.get(
        FEED,
        json=load("poll_feed"),
        headers={
            "X-Business-Use-Case-Usage": '{"%s":[{"type":"pages","call_count":86,"total_cputime":9,"total_time":40,'
            '"estimated_time_to_regain_access":0}]}' % PAGE_ID,
        },
    )
    before = timezone.now()
    # when
    FacebookConnector(channel).poll()
    # then
    assert Channel.objects.get(pk=channel.pk).next_poll_at >= before + timedelta(minutes=5)
    assert len(graph.calls) == 1  # Messenger waits for the next round


def test_a_poll_with_a_revoked_token_marks_the_channel_as_needing_attention(channel, graph):
    # given
    graph.get(
        FEED,
        status=400,
        json={
            "error": {
                "message": "Error validating access token: The session has been invalidated.",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 460,
                "fbtrace_id": "A9",
            }
        },
    )
    # when
    poll_channel.delay(channel.pk)
    # then
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert "access token was refused" in channel.status_reason
