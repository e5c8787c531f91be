"""Verified X webhook bodies in the worker: Account Activity and X Activity API events, replayed."""

from __future__ import annotations

import pytest

from channels_app import delivery
from channels_app.x.events import handle_webhook_payload
from inbox.models import ChannelStatus, Conversation, Identity, Message
from tests.channels_app.x.replay import API, BRAND_ID, fixture, make_x_channel, queue_reply, stored_mention_thread

pytestmark = pytest.mark.django_db


def test_an_account_activity_mention_starts_a_conversation():
    # given
    channel = make_x_channel()
    # when
    created = handle_webhook_payload(fixture("aaa_tweet_create.json"))
    # then
    conversation = Conversation.objects.get(channel=channel)
    assert created == 1
    assert conversation.thread_key == "tweet:1924465506158878979:3001969357"
    assert (conversation.identity.handle, conversation.identity.follower_count) == ("@furiouscamper", 310)


def test_the_brands_own_reply_from_another_tool_is_recorded_as_outbound_in_the_thread():
    # given
    channel = make_x_channel()
    handle_webhook_payload(fixture("aaa_tweet_create.json"))
    # when
    created = handle_webhook_payload(fixture("aaa_tweet_create_brand_reply.json"))
    # then
    conversation = Conversation.objects.get(channel=channel)
    assert created == 1
    assert list(conversation.messages.values_list("direction", flat=True)) == ["in", "out"]
    assert conversation.waiting_since is None


def test_an_account_activity_dm_starts_a_private_conversation_and_typing_is_ignored():
    # given
    channel = make_x_channel()
    # when
    created = handle_webhook_payload(fixture("aaa_direct_message.json")) + handle_webhook_payload(fixture("aaa_typing.json"))
    # then
    conversation = Conversation.objects.get(channel=channel)
    assert created == 1
    assert (conversation.thread_key, conversation.visibility) == ("dm:2244994945-3001969357", "private")
    assert conversation.messages.get().text == "Hello World!"


def test_activity_api_mentions_and_dms_become_conversations():
    # given
    channel = make_x_channel()
    # when
    created = handle_webhook_payload(fixture("xaa_post_mention.json")) + handle_webhook_payload(fixture("xaa_dm_received.json"))
    # then
    keys = set(Conversation.objects.filter(channel=channel).values_list("thread_key", flat=True))
    assert created == 2
    assert keys == {"tweet:2080765813578191303:2222222222222222222", "dm:2244994945-2222222222222222222"}
    assert Identity.objects.get(external_id="2222222222222222222").follower_count == 97


def test_an_event_for_another_account_is_ignored():
    # given
    make_x_channel()
    payload = fixture("aaa_tweet_create.json") | {"for_user_id": "999"}
    # when
    created = handle_webhook_payload(payload)
    # then
    assert created == 0
    assert not Message.objects.exists()


@pytest.mark.parametrize("name", ["aaa_revoke.json", "xaa_oauth_revoke.json"])
def test_revoked_access_disables_the_channel_and_tells_admins(name):
    # given
    channel = make_x_channel()
    # when
    handle_webhook_payload(fixture(name))
    # then
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.DISABLED
    assert "revoked" in channel.status_reason


def test_an_account_activity_reply_to_an_unknown_post_joins_the_thread_x_names(x_api):
    # given
    channel = make_x_channel()
    payload = fixture("aaa_tweet_create.json")
    payload["tweet_create_events"][0] |= {"in_reply_to_status_id_str": "1924400000000000000", "in_reply_to_user_id_str": "77"}
    lookup = x_api.get(
        f"{API}/tweets/1924465506158878979",
        json={
            "data": {
                "id": "1924465506158878979",
                "text": "@acme help please, my parcel is lost",
                "conversation_id": "1924300000000000000",
                "edit_history_tweet_ids": ["1924465506158878979"],
            }
        },
    )
    # when
    handle_webhook_payload(payload)
    # then
    assert Conversation.objects.get(channel=channel).thread_key == "tweet:1924300000000000000:3001969357"
    assert lookup.calls[0].request.headers["Authorization"] == "Bearer bt-never-logged-5"


def test_the_webhook_echo_of_a_sent_reply_is_not_a_second_message(x_api, frozen):
    # given
    channel, conversation, agent = stored_mention_thread(x_api)
    x_api.post(f"{API}/tweets", status=201, json=fixture("create_tweet_201.json"))
    reply = queue_reply(conversation, agent)
    delivery.deliver_message(message_id=reply.pk)
    echo = {
        "for_user_id": BRAND_ID,
        "tweet_create_events": [
            {
                "created_at": "Mon Jan 05 12:00:01 +0000 2026",
                "id_str": "1445880548472328192",
                "text": "@developer Sorry! We are on it.",
                "in_reply_to_status_id_str": "1870000000000000005",
                "in_reply_to_user_id_str": "1234567890",
                "user": {"id_str": BRAND_ID, "screen_name": "acme", "name": "Acme Support"},
            }
        ],
    }
    # when
    created = handle_webhook_payload(echo)
    # then
    assert created == 0
    assert conversation.messages.filter(direction="out").count() == 1
