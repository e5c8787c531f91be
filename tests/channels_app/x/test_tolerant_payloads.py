"""X payloads with fields left out or typed differently, delivered through /webhooks/x for real.

Shapes in tests/fixtures/x (see its README): a user with only a numeric id, a status without an
author or a time, DM media as a list and as one object, a DM without created_timestamp.
"""

from __future__ import annotations

import json

import pytest

from channels_app.models import WebhookEvent
from inbox.models import Message
from tests.channels_app.x.test_webhook import make_x_channel, post_event, raw_fixture, signature
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def deliver(client, capture, channel, name: str):
    body = raw_fixture(name)
    with capture(execute=True):
        response = post_event(client, channel, body, signature(body))
    assert response.status_code == 200
    return WebhookEvent.objects.get()


def test_a_user_without_id_str_is_the_author_and_an_authorless_post_is_kept_with_its_reason(
    client, django_capture_on_commit_callbacks
):
    # given
    channel = make_x_channel()
    # when
    event = deliver(client, django_capture_on_commit_callbacks, channel, "aaa_tweet_user_id_only.json")
    # then: the two readable posts are stored, each from its author
    first = Message.objects.select_related("author_identity").get(external_id="1924466300000000001")
    assert first.author_identity.external_id == "3001969357"
    assert first.author_identity.handle == "@furiouscamper"
    assert Message.objects.get(external_id="1924466300000000003").author_identity.external_id == "3001969358"
    # and the one without an author is kept on the event, with why
    assert event.status == "processed"
    [skipped] = event.skipped
    assert skipped["reason"] == "post: KeyError: 'user id'"
    assert skipped["event"]["id_str"] == "1924466300000000002"


def test_a_post_without_a_time_gets_the_delivery_time_and_says_so(client, django_capture_on_commit_callbacks):
    # given
    channel = make_x_channel()
    # when
    event = deliver(client, django_capture_on_commit_callbacks, channel, "aaa_tweet_user_id_only.json")
    # then
    undated = Message.objects.get(external_id="1924466300000000003")
    dated = Message.objects.get(external_id="1924466300000000001")
    assert undated.platform_time == event.received_at
    assert undated.raw["time_estimated"] is True
    assert dated.platform_time.isoformat() == "2025-05-19T14:05:00+00:00"
    assert "time_estimated" not in dated.raw
    # and the agent reading the conversation is told the time is Parley's, not X's
    client.force_login(make_user(teams=[channel.team]))
    page = client.get(f"/conversations/{undated.conversation_id}/").content.decode()
    assert page.count("(time estimated)") == 1
    assert "The platform sent no time for this message" in page
    assert "(time estimated)" not in client.get(f"/conversations/{dated.conversation_id}/").content.decode()


def test_dm_media_as_a_list_or_one_object_become_attachments(client, django_capture_on_commit_callbacks):
    # given
    channel = make_x_channel()
    # when
    event = deliver(client, django_capture_on_commit_callbacks, channel, "aaa_dm_media_list.json")
    # then
    two = Message.objects.get(external_id="954491830116155500")
    one = Message.objects.get(external_id="954491830116155501")
    assert [a["url"].rsplit("/", 1)[-1] for a in two.attachments] == ["dent.jpg", "scratch.jpg"]
    assert [a["name"] for a in one.attachments] == ["animated_gif"]
    assert one.platform_time == event.received_at and one.raw["time_estimated"] is True
    assert two.platform_time.year == 2018  # created_timestamp 1516403560557, never 1970
    assert event.skipped == []


def test_one_unreadable_dm_never_drops_the_rest_of_its_delivery(client, django_capture_on_commit_callbacks):
    # given: the first DM of the delivery has no id and no sender
    channel = make_x_channel()
    payload = json.loads(raw_fixture("aaa_dm_media_list.json"))
    payload["direct_message_events"].insert(0, {"type": "message_create", "message_create": {"message_data": "?"}})
    body = json.dumps(payload).encode()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, channel, body, signature(body))
    # then
    assert response.status_code == 200
    assert Message.objects.filter(channel=channel).count() == 2
    [skipped] = WebhookEvent.objects.get().skipped
    assert skipped["reason"].startswith("direct message: KeyError")
