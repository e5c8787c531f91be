"""A reply whose post may have gone out is never posted again by itself; an agent's retry first
asks X (the brand's recent posts, the DM conversation) and marks it sent when it is there."""

from __future__ import annotations

import pytest
import requests

from channels_app import delivery
from channels_app.x.connector import latest_customer_post_id
from inbox.actions import retry_delivery
from inbox.models import DeliveryState, Message
from tests.channels_app.x.replay import API, BRAND_ID, fixture, queue_reply, stored_mention_thread

pytestmark = pytest.mark.django_db

TEXT = "@developer Sorry! We are on it."


def timed_out_reply(x_api):
    channel, conversation, agent = stored_mention_thread(x_api)
    post = x_api.post(f"{API}/tweets", body=requests.ReadTimeout("read timed out"))
    reply = queue_reply(conversation, agent, text=TEXT)
    assert delivery.deliver_message(message_id=reply.pk).state == "unknown"
    return conversation, agent, reply, post


def test_a_timed_out_post_shows_outcome_unknown_with_what_to_check(x_api, frozen):
    # when
    _, _, reply, post = timed_out_reply(x_api)
    # then
    message = Message.objects.get(pk=reply.pk)
    assert message.delivery_state == DeliveryState.UNKNOWN
    assert message.get_delivery_state_display() == "Outcome unknown"
    assert "did not answer in time" in message.delivery_error
    assert "brand's X profile" in message.delivery_error
    assert post.call_count == 1


def test_the_agents_retry_finds_the_post_on_the_brands_timeline_and_does_not_post_again(x_api, frozen):
    # given: X did post it (with its link shortened, as X shows it back)
    conversation, agent, reply, post = timed_out_reply(x_api)
    replied_to = latest_customer_post_id(conversation)
    timeline = x_api.get(
        f"{API}/users/{BRAND_ID}/tweets",
        json={
            "data": [
                {"id": "1880000000000000002", "text": "Unrelated news", "referenced_tweets": []},
                {
                    "id": "1880000000000000001",
                    "text": TEXT,
                    "referenced_tweets": [{"type": "replied_to", "id": replied_to}],
                },
            ],
            "meta": {"result_count": 2},
        },
    )
    # when
    retry_delivery(message=Message.objects.get(pk=reply.pk), actor=agent)
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "found"
    message = Message.objects.get(pk=reply.pk)
    assert (message.delivery_state, message.external_id) == (DeliveryState.SENT, "1880000000000000001")
    assert post.call_count == 1
    assert timeline.call_count == 1


def test_the_agents_retry_posts_when_the_reply_is_not_on_the_timeline(x_api, frozen):
    # given
    conversation, agent, reply, post = timed_out_reply(x_api)
    x_api.get(f"{API}/users/{BRAND_ID}/tweets", json={"meta": {"result_count": 0}})
    x_api.replace("POST", f"{API}/tweets", json=fixture("create_tweet_201.json"), status=201)
    # when
    retry_delivery(message=Message.objects.get(pk=reply.pk), actor=agent)
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "sent"
    assert Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.SENT


def test_a_dm_retry_looks_in_the_dm_conversation(x_api, frozen):
    # given
    _, conversation, agent = stored_mention_thread(x_api)
    customer = conversation.identity.external_id
    x_api.post(f"{API}/dm_conversations/with/{customer}/messages", body=requests.ReadTimeout("read timed out"))
    reply = queue_reply(conversation, agent, text="Sending you a DM about it", visibility="private")
    assert delivery.deliver_message(message_id=reply.pk).state == "unknown"
    x_api.get(
        f"{API}/dm_conversations/with/{customer}/dm_events",
        json={"data": [{"id": "1890000000000000009", "text": "Sending you a DM about it", "sender_id": BRAND_ID}]},
    )
    # when
    retry_delivery(message=Message.objects.get(pk=reply.pk), actor=agent)
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "found"
    assert Message.objects.get(pk=reply.pk).external_id == "1890000000000000009"


def test_when_x_cannot_be_asked_the_reply_stays_unknown_and_is_not_posted(x_api, frozen):
    # given
    _, agent, reply, post = timed_out_reply(x_api)
    x_api.get(f"{API}/users/{BRAND_ID}/tweets", json={"title": "Service Unavailable"}, status=503)
    # when
    retry_delivery(message=Message.objects.get(pk=reply.pk), actor=agent)
    outcome = delivery.deliver_message(message_id=reply.pk)
    # then
    assert outcome.state == "unknown"
    assert "could not check" in Message.objects.get(pk=reply.pk).delivery_error
    assert post.call_count == 1
