"""/webhooks/x: the CRC challenge and signed deliveries, end to end through Celery (eager)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from pathlib import Path

import pytest
import responses

from channels_app import delivery
from channels_app.models import WebhookEvent
from channels_app.tasks import poll_channel
from inbox.actions import send_reply
from inbox.models import ChannelKind, Conversation, Message
from tests.factories import make_channel, make_team, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x"
BRAND_ID = "2244994945"
CREDENTIALS = {
    "consumer_key": "ck-never-logged-1",
    "consumer_secret": "cs-never-logged-2",
    "access_token": "at-never-logged-3",
    "access_token_secret": "ats-never-logged-4",
    "bearer_token": "bt-never-logged-5",
}


def raw_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def signature(body: bytes, secret: str = CREDENTIALS["consumer_secret"]) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def make_x_channel(**config):
    return make_channel(
        team=make_team(),
        kind=ChannelKind.X,
        name="Acme on X",
        config={"user_id": BRAND_ID, "username": "acme", **config},
        credentials=dict(CREDENTIALS),
    )


def post_event(client, channel, body: bytes, signature_header: str | None):
    headers = {} if signature_header is None else {"HTTP_X_TWITTER_WEBHOOKS_SIGNATURE": signature_header}
    return client.post(f"/webhooks/x?channel={channel.pk}", data=body, content_type="application/json", **headers)


def test_the_crc_challenge_is_answered_with_the_consumer_secret_hmac(client):
    # given
    channel = make_x_channel()
    # when
    response = client.get(f"/webhooks/x?channel={channel.pk}&crc_token=crc-challenge-token")
    # then
    assert response.status_code == 200
    assert response.json() == {"response_token": "sha256=Ruq2gTnQf9pQqeyQrp3meCISmzDqECXX4dEXev144PA="}


def test_the_crc_challenge_without_a_channel_parameter_uses_the_single_x_channel(client):
    # given
    make_x_channel()
    # when
    response = client.get("/webhooks/x?crc_token=crc-challenge-token")
    # then
    assert response.json() == {"response_token": "sha256=Ruq2gTnQf9pQqeyQrp3meCISmzDqECXX4dEXev144PA="}


def test_a_body_signed_through_the_crc_challenge_is_refused(client, caplog):
    # given: an attacker asks the CRC challenge to sign an event body of their own
    channel = make_x_channel()
    forged = json.dumps(
        {
            "for_user_id": BRAND_ID,
            "direct_message_events": [
                {"type": "message_create", "id": "1", "message_create": {"sender_id": "1", "message_data": {"text": "hi"}}}
            ],
        }
    )
    caplog.set_level(logging.INFO)
    # when
    challenge = client.get(f"/webhooks/x?channel={channel.pk}", {"crc_token": forged})
    signed = challenge.json().get("response_token")
    delivery = post_event(client, channel, forged.encode(), signed or "sha256=")
    # then
    assert challenge.status_code == 400
    assert signed is None
    assert delivery.status_code == 403
    assert not WebhookEvent.objects.exists()
    assert [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING] == [
        ("parley.webhooks", "webhook rejected"),
        ("parley.webhooks", "webhook rejected"),
    ]


@pytest.mark.parametrize(
    "token",
    ["{}", "a" * 129, "token with spaces", "tok\nen", "ab%3D", "x=y"],
    ids=["json", "too-long", "spaces", "newline", "percent", "inner-equals"],
)
def test_a_crc_token_not_of_the_platforms_shape_is_refused(client, token):
    # given
    channel = make_x_channel()
    # when
    response = client.get(f"/webhooks/x?channel={channel.pk}", {"crc_token": token})
    # then
    assert response.status_code == 400
    assert response.json() == {"error": "malformed crc_token"}


def test_a_real_shaped_crc_token_is_still_answered(client):
    # given: the shape X sends, base64 with padding
    channel = make_x_channel()
    token = base64.b64encode(b"x-crc-challenge-\xfa\xfb-31-bytes-long!").decode()
    # when
    response = client.get(f"/webhooks/x?channel={channel.pk}", {"crc_token": token})
    # then
    assert response.status_code == 200
    assert response.json() == {"response_token": signature(token.encode())}


def test_a_validly_signed_mention_is_stored_and_becomes_a_conversation(client, django_capture_on_commit_callbacks):
    # given
    channel = make_x_channel()
    body = raw_fixture("aaa_tweet_create.json")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, channel, body, signature(body))
    # then
    assert response.status_code == 200
    assert WebhookEvent.objects.get().processed_at is not None
    assert Conversation.objects.get(channel=channel).thread_key == "tweet:1924465506158878979:3001969357"


def test_the_same_event_delivered_twice_is_one_message(client, django_capture_on_commit_callbacks):
    # given
    channel = make_x_channel()
    body = raw_fixture("aaa_direct_message.json")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, channel, body, signature(body))
    with django_capture_on_commit_callbacks(execute=True):
        second = post_event(client, channel, body, signature(body))
    # then: the copy is answered 200 and counted on the first row, not stored again
    assert second.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.duplicates == 1
    assert Message.objects.filter(channel=channel).count() == 1


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing signature"),
        (signature(b'{"for_user_id": "2244994945"}'), "bad signature"),
        (signature(raw_fixture("aaa_tweet_create.json"), secret="someone-elses-secret"), "bad signature"),  # noqa: S106
        (signature(raw_fixture("aaa_tweet_create.json"))[:-6], "bad signature"),
    ],
    ids=["missing", "other-body", "wrong-secret", "truncated"],
)
def test_a_delivery_without_a_valid_signature_is_refused_with_one_log_line(client, caplog, header, reason):
    # given
    channel = make_x_channel()
    body = raw_fixture("aaa_tweet_create.json")
    caplog.set_level(logging.INFO)
    # when
    response = post_event(client, channel, body, header)
    # then
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert response.status_code == 403
    assert response.json() == {"error": reason}
    assert not WebhookEvent.objects.exists()
    assert [(r.name, r.getMessage()) for r in warnings] == [("parley.webhooks", "webhook rejected")]


def test_a_signed_body_that_is_not_json_is_refused(client):
    # given
    channel = make_x_channel()
    body = b"{not json"
    # when
    response = post_event(client, channel, body, signature(body))
    # then
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_delivery_for_an_unknown_channel_is_refused(client):
    # given
    make_x_channel()
    body = raw_fixture("aaa_tweet_create.json")
    # when
    response = client.post(
        "/webhooks/x?channel=999999",
        data=body,
        content_type="application/json",
        HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=signature(body),
    )
    # then
    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()


def test_secrets_never_reach_the_logs(client, caplog, django_capture_on_commit_callbacks):
    # given
    caplog.set_level(logging.DEBUG)
    channel = make_x_channel(poll_dms=True)
    agent = make_user(teams=[channel.team])
    body = raw_fixture("aaa_tweet_create.json")
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, channel, body, signature(body))
    post_event(client, channel, body, "sha256=forged")
    conversation = Conversation.objects.get(channel=channel)
    reply = send_reply(conversation=conversation, author=agent, text="On it!", visibility="public", idempotency_key="s1")
    # when
    with responses.RequestsMock(assert_all_requests_are_fired=False) as x_api:
        x_api.get(f"https://api.twitter.com/2/users/{BRAND_ID}/mentions", status=401, json={"title": "Unauthorized"})
        x_api.post("https://api.twitter.com/2/tweets", status=503, json={"title": "Service Unavailable"})
        poll_channel.apply(args=[channel.pk])
        delivery.deliver_message(message_id=reply.pk)
    # then
    logged = caplog.text + json.dumps([r.__dict__ for r in caplog.records], default=str)
    assert caplog.records
    assert [secret for secret in CREDENTIALS.values() if secret in logged] == []
