"""The X connector against tweepy for real, with X's HTTP API replayed by `responses`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from channels_app import delivery
from channels_app.tasks import poll_channel
from channels_app.x.connector import XConnector, weighted_length
from inbox import ports
from inbox.models import ChannelStatus, Conversation, DeliveryState, Identity, Message
from inbox.ports import ReplyRefused
from tests.channels_app.x.replay import (
    API,
    BRAND_ID,
    DM_EVENTS_URL,
    MENTIONS_URL,
    NOW,
    budget_headers,
    fixture,
    make_x_channel,
    query,
    queue_reply,
    register_three_mention_pages,
    stored_mention_thread,
    without_param,
)

pytestmark = pytest.mark.django_db


# --- mentions ---------------------------------------------------------------------------------------


def test_mentions_on_every_page_become_one_conversation_per_customer_thread(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1860000000000000000"})
    register_three_mention_pages(x_api)
    # when
    created = XConnector(channel).poll()
    # then
    assert created == 3
    assert [query(c)["since_id"] for c in x_api.calls] == [["1860000000000000000"]] * 3
    threads = dict(Conversation.objects.filter(channel=channel).values_list("thread_key", "visibility"))
    assert threads == {
        "tweet:1870000000000000001:1234567890": "public",
        "tweet:1870000000000000004:944480690": "public",
    }
    thread = Conversation.objects.get(thread_key="tweet:1870000000000000001:1234567890")
    assert list(thread.messages.values_list("external_id", flat=True)) == ["1870000000000000002", "1870000000000000005"]
    assert thread.waiting_since == datetime(2025, 12, 1, 10, 30, tzinfo=UTC)


def test_the_mentions_cursor_is_the_first_pages_newest_id_once_all_pages_are_stored(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1860000000000000000"})
    register_three_mention_pages(x_api)
    # when
    XConnector(channel).poll()
    # then
    channel.refresh_from_db()
    assert channel.cursor["mentions_since_id"] == "1870000000000000005"
    assert channel.cursor["limits"]["mentions"]["remaining"] == 297


def test_a_mentioning_customer_shows_with_handle_profile_avatar_and_followers(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1860000000000000000"})
    register_three_mention_pages(x_api)
    # when
    XConnector(channel).poll()
    # then
    identity = Identity.objects.get(kind="x", external_id="1234567890")
    assert (identity.handle, identity.display_name, identity.profile_url, identity.avatar_url, identity.follower_count) == (
        "@developer",
        "Dev Person",
        "https://x.com/developer",
        "https://pbs.twimg.com/profile_images/1/dev_normal.jpg",
        42,
    )


def test_a_poll_with_no_new_mentions_keeps_the_cursor(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1870000000000000005"})
    x_api.get(MENTIONS_URL, json=fixture("mentions_empty.json"), headers=budget_headers())
    # when
    created = XConnector(channel).poll()
    # then
    channel.refresh_from_db()
    assert created == 0
    assert channel.cursor["mentions_since_id"] == "1870000000000000005"
    assert not Message.objects.exists()


def test_a_new_channel_reads_only_the_newest_page_of_mentions(x_api, frozen):
    # given
    channel = make_x_channel()
    register_three_mention_pages(x_api)
    # when
    XConnector(channel).poll()
    # then
    channel.refresh_from_db()
    assert len(x_api.calls) == 1
    assert channel.cursor["mentions_since_id"] == "1870000000000000005"


def test_the_cursor_does_not_move_when_storing_fails_and_the_next_poll_stores_everything(x_api, frozen, monkeypatch):
    # given
    import inbox.actions

    channel = make_x_channel(cursor={"mentions_since_id": "1860000000000000000"})
    register_three_mention_pages(x_api)
    register_three_mention_pages(x_api)
    real_ingest = inbox.actions.ingest_message
    calls = []

    def ingest_failing_on_the_second(*, inbound):
        calls.append(inbound.external_id)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_ingest(inbound=inbound)

    monkeypatch.setattr(inbox.actions, "ingest_message", ingest_failing_on_the_second)
    # when
    with pytest.raises(RuntimeError):
        XConnector(channel).poll()
    channel.refresh_from_db()
    cursor_after_failure = channel.cursor.get("mentions_since_id")
    monkeypatch.setattr(inbox.actions, "ingest_message", real_ingest)
    created_on_retry = XConnector(channel).poll()
    # then
    channel.refresh_from_db()
    assert cursor_after_failure == "1860000000000000000"
    assert created_on_retry == 2
    assert Message.objects.filter(channel=channel).count() == 3
    assert channel.cursor["mentions_since_id"] == "1870000000000000005"


def test_a_rate_limited_poll_waits_until_the_reset_and_shows_the_budget(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1860000000000000000"})
    x_api.get(MENTIONS_URL, status=429, json=fixture("error_429.json"), headers=budget_headers(remaining=0, reset_in=420))
    # when
    created = XConnector(channel).poll()
    # then
    channel.refresh_from_db()
    assert created == 0
    assert channel.next_poll_at == datetime(2026, 1, 5, 12, 7, tzinfo=UTC)
    assert channel.cursor["limits"]["mentions"] == {
        "limit": 300,
        "remaining": 0,
        "reset": int(NOW.timestamp()) + 420,
        "next_at": NOW.timestamp() + 420,
    }
    assert channel.cursor["mentions_since_id"] == "1860000000000000000"


def test_a_poll_refused_with_401_marks_the_channel_as_needing_attention(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1860000000000000000"})
    x_api.get(MENTIONS_URL, status=401, json=fixture("error_401.json"))
    # when
    poll_channel.apply(args=[channel.pk])
    # then
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert "credentials" in channel.status_reason


# --- DMs -------------------------------------------------------------------------------------------


def test_dms_become_one_private_conversation_with_the_brands_own_reply_as_outbound(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1"}, poll_dms=True)
    x_api.get(MENTIONS_URL, json=fixture("mentions_empty.json"))
    x_api.get(DM_EVENTS_URL, json=fixture("dm_events_page1.json"), headers=budget_headers(limit=15, remaining=14))
    # when
    created = XConnector(channel).poll()
    # then
    conversation = Conversation.objects.get(channel=channel)
    assert created == 3
    assert (conversation.thread_key, conversation.visibility) == ("dm:944480690-2244994945", "private")
    assert list(conversation.messages.values_list("external_id", "direction")) == [
        ("1582838499983564806", "in"),
        ("1582838499983564807", "out"),
        ("1582838499983564808", "in"),
    ]
    assert conversation.identity.handle == "@pat"
    assert not Identity.objects.filter(external_id=BRAND_ID).exists()


def test_dms_are_read_newest_first_only_until_an_already_stored_event(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1"}, poll_dms=True)
    x_api.get(MENTIONS_URL, json=fixture("mentions_empty.json"))
    x_api.get(DM_EVENTS_URL, json=fixture("dm_events_page1.json"), match=[without_param("pagination_token")])
    XConnector(channel).poll()
    x_api.replace(responses.GET, DM_EVENTS_URL, json=fixture("dm_events_page_newer.json"))
    channel.refresh_from_db()
    # when
    created = XConnector(channel).poll()
    # then
    dm_calls = [c for c in x_api.calls if c.request.url.startswith(DM_EVENTS_URL)]
    assert created == 1
    assert len(dm_calls) == 2
    assert "pagination_token" not in query(dm_calls[1])
    assert Message.objects.filter(channel=channel).count() == 4


def test_dm_polling_slows_to_the_budget_x_reports(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1"}, poll_dms=True)
    x_api.get(MENTIONS_URL, json=fixture("mentions_empty.json"), headers=budget_headers())
    x_api.get(DM_EVENTS_URL, json=fixture("dm_events_page1.json"), headers=budget_headers(limit=15, remaining=14))
    XConnector(channel).poll()
    channel.refresh_from_db()
    # when
    XConnector(channel).poll()
    # then
    dm_calls = [c for c in x_api.calls if c.request.url.startswith(DM_EVENTS_URL)]
    assert len(dm_calls) == 1
    assert channel.cursor["limits"]["dm_events"]["next_at"] == NOW.timestamp() + 60


# --- sending ---------------------------------------------------------------------------------------


def test_a_public_reply_answers_the_customers_latest_post_and_keeps_xs_id(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    post = x_api.post(f"{API}/tweets", status=201, json=fixture("create_tweet_201.json"))
    reply = queue_reply(conversation, agent)
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    reply.refresh_from_db()
    assert outcome.state == "sent"
    assert json.loads(post.calls[0].request.body) == {
        "text": "@developer Sorry! We are on it.",
        "reply": {"in_reply_to_tweet_id": "1870000000000000005"},
    }
    assert (reply.delivery_state, reply.external_id) == (DeliveryState.SENT, "1445880548472328192")


def test_a_private_reply_is_a_dm_to_the_customer(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    dm = x_api.post(f"{API}/dm_conversations/with/1234567890/messages", status=201, json=fixture("dm_send_201.json"))
    reply = queue_reply(conversation, agent, text="Could you send us your order number?", visibility="private")
    # when
    delivery.deliver_message(message_id=reply.pk)
    # then
    reply.refresh_from_db()
    assert json.loads(dm.calls[0].request.body) == {"text": "Could you send us your order number?"}
    assert reply.external_id == "1582103724607971332"


def test_a_duplicate_post_fails_with_xs_reason_and_is_not_retried(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    post = x_api.post(f"{API}/tweets", status=403, json=fixture("error_403_duplicate.json"))
    reply = queue_reply(conversation, agent)
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    again = delivery.deliver_message(message_id=reply.pk)
    # then
    reply.refresh_from_db()
    assert (outcome.state, again.state) == ("failed", "skipped")
    assert reply.delivery_state == DeliveryState.FAILED
    assert reply.delivery_error == "X refused the reply: You are not allowed to create a Tweet with duplicate content."
    assert len(post.calls) == 1


def test_a_rate_limited_send_is_retried_at_xs_reset_time(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    x_api.post(
        f"{API}/tweets", status=429, json=fixture("error_429.json"), headers=budget_headers(limit=100, remaining=0, reset_in=95)
    )
    reply = queue_reply(conversation, agent)
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    reply.refresh_from_db()
    assert (outcome.state, outcome.retry_after) == ("retry", 95.0)
    assert reply.delivery_state == DeliveryState.QUEUED


def test_a_send_refused_with_401_fails_and_marks_the_channel(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    x_api.post(f"{API}/tweets", status=401, json=fixture("error_401.json"))
    reply = queue_reply(conversation, agent)
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    channel.refresh_from_db()
    assert outcome.state == "failed"
    assert channel.status == ChannelStatus.NEEDS_ATTENTION


def test_a_server_error_is_retried_and_the_reply_is_posted_once(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    post = x_api.post(f"{API}/tweets", status=503, json=fixture("error_503.json"))
    x_api.post(f"{API}/tweets", status=201, json=fixture("create_tweet_201.json"))
    reply = queue_reply(conversation, agent)
    # when
    first = delivery.deliver_message(message_id=reply.pk)
    second = delivery.deliver_message(message_id=reply.pk)
    third = delivery.deliver_message(message_id=reply.pk)
    # then
    reply.refresh_from_db()
    assert (first.state, first.retry_after, second.state, third.state) == ("retry", None, "sent", "skipped")
    assert len(x_api.calls) == 2
    assert post.call_count == 1
    assert reply.external_id == "1445880548472328192"
    assert reply.delivery_attempts == 2


def test_a_private_reply_with_a_public_note_sends_a_dm_and_a_public_reply(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    dm = x_api.post(f"{API}/dm_conversations/with/1234567890/messages", status=201, json=fixture("dm_send_201.json"))
    post = x_api.post(f"{API}/tweets", status=201, json=fixture("create_tweet_201.json"))
    queue_reply(
        conversation,
        agent,
        text="Which order is it?",
        visibility="private",
        key="k2",
        options={"public_note": "We have sent you a DM."},
    )
    # when
    for message in Message.objects.filter(conversation=conversation, delivery_state=DeliveryState.QUEUED):
        delivery.deliver_message(message_id=message.pk)
    # then
    assert json.loads(dm.calls[0].request.body) == {"text": "Which order is it?"}
    assert json.loads(post.calls[0].request.body)["text"] == "We have sent you a DM."
    assert set(conversation.messages.filter(direction="out").values_list("delivery_state", flat=True)) == {DeliveryState.SENT}


REFUSED = requests.ConnectionError(
    MaxRetryError(
        None, "/2/tweets", NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    )
)
DROPPED = requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))


@pytest.mark.parametrize(
    ("failure", "state"),
    [
        (REFUSED, "retry"),
        (requests.ConnectTimeout("connect timed out"), "retry"),
        (requests.ReadTimeout("no answer"), "unknown"),
        (DROPPED, "unknown"),
    ],
    ids=["refused-so-retried", "connect-timeout-so-retried", "read-timeout-maybe-sent", "dropped-after-sending-maybe-sent"],
)
def test_network_errors_retry_only_when_the_post_cannot_have_gone_out(x_api, frozen, failure, state):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    x_api.post(f"{API}/tweets", body=failure)
    reply = queue_reply(conversation, agent)
    # when
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == state


# --- composer rules ------------------------------------------------------------------------------


def test_x_counts_a_long_link_as_23_characters():
    # given
    text = "See https://example.com/a/very/long/path/to/the/help/centre/article/about/refunds?ref=x " + "a" * 250
    # when
    length = weighted_length(text)
    # then
    assert length == 4 + 23 + 1 + 250


def test_a_public_reply_over_280_weighted_characters_is_refused_before_queueing(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    text = "謝" * 141  # CJK characters weigh 2: 282
    # when
    with pytest.raises(ReplyRefused) as refused:
        ports.channels().check_reply(conversation, text=text, visibility="public", options={})
    # then
    assert "this one has 282" in str(refused.value)
    assert not Message.objects.filter(direction="out").exists()


def test_a_reply_of_280_characters_with_links_is_accepted(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    text = "https://example.com/" + "x" * 200 + " " + "b" * 256  # 23 + 1 + 256
    # when
    ports.channels().check_reply(conversation, text=text, visibility="public", options={})
    # then
    assert weighted_length(text) == 280


def test_a_too_long_public_note_with_a_private_reply_is_refused(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    # when
    with pytest.raises(ReplyRefused) as refused:
        ports.channels().check_reply(conversation, text="Details by DM", visibility="private", options={"public_note": "n" * 281})
    # then
    assert str(refused.value).startswith("The public note")


def test_a_dm_conversation_cannot_be_answered_in_public(x_api, frozen):
    # given
    channel = make_x_channel(cursor={"mentions_since_id": "1"}, poll_dms=True)
    x_api.get(MENTIONS_URL, json=fixture("mentions_empty.json"))
    x_api.get(DM_EVENTS_URL, json=fixture("dm_events_page1.json"))
    XConnector(channel).poll()
    conversation = Conversation.objects.get(channel=channel)
    # when
    with pytest.raises(ReplyRefused):
        ports.channels().check_reply(conversation, text="hello", visibility="public", options={})
    # then
    assert XConnector(conversation.channel).reply_limits(conversation)["max_chars"] == 10_000
