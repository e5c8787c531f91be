"""X payloads -> InboundMessage, pure: recorded bodies in, no database and no network."""

from __future__ import annotations

import pytest

from channels_app.x.payloads import Post, one_to_one_conversation_id, post_inbound, routed_user_id, users_by_id
from inbox.models import Channel, ChannelKind
from tests.channels_app.x.replay import BRAND_ID, fixture


def connected() -> Channel:
    return Channel(pk=5, kind=ChannelKind.X, name="Acme on X", config={"user_id": BRAND_ID})


@pytest.mark.parametrize("name", ["aaa_tweet_create.json", "aaa_revoke.json", "xaa_post_mention.json", "xaa_oauth_revoke.json"])
def test_every_envelope_names_the_brand_account_it_is_for(name):
    # given
    payload = fixture(name)
    # when
    user_id = routed_user_id(payload)
    # then
    assert user_id == BRAND_ID


def test_a_one_to_one_dm_conversation_is_named_by_the_numerically_smaller_id_first():
    # given
    brand, customer = "10", "9"
    # when
    name = one_to_one_conversation_id(brand, customer)
    # then
    assert name == "9-10"


def test_a_v2_mention_becomes_an_inbound_post_in_the_customers_thread():
    # given
    body = fixture("mentions_page1.json")
    post = Post.from_v2(body["data"][0])
    # when
    inbound = post_inbound(channel=connected(), post=post, users=users_by_id(body["includes"]["users"]))
    # then
    assert inbound is not None
    assert (inbound.channel_id, inbound.external_id, inbound.direction, inbound.visibility) == (
        5,
        "1870000000000000005",
        "in",
        "public",
    )
    assert inbound.thread_key == "tweet:1870000000000000001:1234567890"
    assert (inbound.author.handle, inbound.author.follower_count) == ("@developer", 42)


def test_retweets_and_the_brands_own_posts_are_no_customer_message():
    # given
    retweet = Post.from_v2({"id": "2", "author_id": "77", "text": "RT", "referenced_tweets": [{"type": "retweeted", "id": "1"}]})
    own_post = Post.from_v2({"id": "3", "author_id": BRAND_ID, "text": "Our new kettle is out"})
    # when
    found = [post_inbound(channel=connected(), post=p, users={}) for p in (retweet, own_post)]
    # then
    assert found == [None, None]
