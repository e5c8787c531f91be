"""Facebook webhooks end to end: Meta's verification, signatures, and each event kind becoming rows.

Payloads in tests/fixtures/facebook are shaped as Meta documents them. Helpers here are shared by the
other test_facebook_*.py files.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses
from django.conf import settings

from channels_app.models import WebhookEvent
from inbox.models import Channel, ChannelKind, Conversation, Customer, DeliveryState, Identity, Message
from tests.factories import make_channel, make_team

PAGE_ID = "448242228374517"
OTHER_PAGE_ID = "1029384756"
APP_ID = "1517776481860111"
APP_SECRET = "fb-app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
PSID = "24837365921234567"
COMMENT_ID = "122131676912594941_1213590066982748"
POST_ID = "448242228374517_122131676912594941"
GRAPH = f"https://graph.facebook.com/{settings.FACEBOOK_GRAPH_VERSION}"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "facebook"
MESSENGER_TEXT_AT = datetime(2025, 3, 22, 19, 0, tzinfo=UTC)  # messenger_text.json's timestamp
COMMENT_AT = datetime(2025, 3, 22, 18, 20, 4, tzinfo=UTC)  # comment_add.json's created_time

pytestmark = pytest.mark.django_db


def load(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def make_facebook_channel(
    *,
    page_id: str = PAGE_ID,
    app_secret: str = APP_SECRET,
    human_agent_enabled: bool = True,
    verify_token: str = VERIFY_TOKEN,
    **config: Any,
) -> Channel:
    return make_channel(
        team=make_team(),
        kind=ChannelKind.FACEBOOK,
        name=f"Page {page_id}",
        config={
            "page_id": page_id,
            "page_name": "Aurora Outdoor",
            "app_id": APP_ID,
            "verify_token": verify_token,
            "human_agent_enabled": human_agent_enabled,
            **config,
        },
        credentials={"page_access_token": f"page-token-{page_id}", "app_secret": app_secret},
    )


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(client: Any, capture: Any, payload: dict[str, Any] | bytes, *, signature: str | None = None, **headers: Any) -> Any:
    """POST a body to /webhooks/facebook as Meta would, running the Celery processing it enqueues."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if signature is None:
        signature = sign(body)
    if signature:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    with capture(execute=True):
        return client.post("/webhooks/facebook", data=body, content_type="application/json", **headers)


@pytest.fixture
def graph():
    """Every Graph call in these tests is intercepted; an unexpected one fails as a connection error."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def channel() -> Channel:
    return make_facebook_channel()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks, channel):
    def _post(payload: dict[str, Any] | bytes, **kwargs: Any) -> Any:
        return deliver(client, django_capture_on_commit_callbacks, payload, **kwargs)

    return _post


# --- verification -----------------------------------------------------------------------------------


def test_meta_verification_with_the_right_token_gets_the_challenge_back(client, channel):
    # when
    response = client.get(
        "/webhooks/facebook", {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN}
    )
    # then
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "not-the-token"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN},
        {"hub.mode": "subscribe", "hub.challenge": "1158201444"},
    ],
    ids=["wrong-token", "wrong-mode", "no-token"],
)
def test_meta_verification_without_the_right_token_and_mode_is_refused(client, channel, params):
    # when
    response = client.get("/webhooks/facebook", params)
    # then
    assert response.status_code == 403
    assert b"1158201444" not in response.content


# --- signatures -------------------------------------------------------------------------------------


def _truncated(body: bytes) -> str:
    return sign(body)[:-8]


def _forged(body: bytes) -> str:
    return sign(body, secret="a-guessed-secret")


def _sha1_only(body: bytes) -> dict[str, str]:
    return {"HTTP_X_HUB_SIGNATURE": "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()}


@pytest.mark.parametrize(
    ("make_signature", "extra_headers", "reason"),
    [
        (_forged, lambda body: {}, "signature mismatch"),
        (lambda body: "", lambda body: {}, "missing signature"),
        (lambda body: "", _sha1_only, "only a SHA-1 signature (X-Hub-Signature)"),
        (_truncated, lambda body: {}, "malformed signature"),
    ],
    ids=["forged", "missing", "sha1-only", "truncated"],
)
def test_an_unsigned_or_badly_signed_delivery_is_refused_with_one_log_line_and_no_rows(
    post, caplog, make_signature, extra_headers, reason
):
    # given
    body = json.dumps(load("comment_add")).encode()
    caplog.set_level(logging.INFO)
    # when
    response = post(body, signature=make_signature(body), **extra_headers(body))
    # then
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0
    assert Message.objects.count() == 0
    assert [(r.name, r.reason) for r in caplog.records] == [("parley.webhooks", reason)]
    assert APP_SECRET not in caplog.text


def test_a_body_signed_with_another_apps_secret_for_this_page_is_refused(post):
    # given
    make_facebook_channel(page_id=OTHER_PAGE_ID, app_secret="second-app-secret")
    body = json.dumps(load("comment_add")).encode()
    # when
    response = post(body, signature=sign(body, secret="second-app-secret"))
    # then
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_a_signed_body_that_is_not_json_gets_400_and_no_row(post):
    # when
    response = post(b'{"object": "page", "entry": [')
    # then
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_a_signed_delivery_is_stored_and_processed(post):
    # when
    response = post(load("comment_add"))
    # then
    assert response.status_code == 200
    assert WebhookEvent.objects.get().processed_at is not None
    assert Message.objects.count() == 1


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
    # then
    assert WebhookEvent.objects.count() == 2
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
    from tests.channels_app.test_facebook_replies import reply_in

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
    from tests.channels_app.test_facebook_replies import reply_in

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
    from tests.channels_app.test_facebook_replies import reply_in

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
    caplog.set_level(logging.INFO, logger="channels_app.facebook")
    # when
    response = post(payload)
    # then
    assert response.status_code == 200
    assert Message.objects.count() == 0
    assert "facebook webhook for unknown page" in caplog.text


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
    assert "facebook event skipped" in caplog.text


def test_a_delivery_is_answered_first_and_processed_by_a_real_celery_worker(client, celery_worker):
    # given
    import time

    make_facebook_channel()
    body = json.dumps(load("comment_add")).encode()
    # when
    response = client.post("/webhooks/facebook", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body))
    deadline = time.monotonic() + 15
    while not WebhookEvent.objects.filter(processed_at__isnull=False).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    # then
    assert response.status_code == 200
    assert Message.objects.get().external_id == COMMENT_ID
    assert WebhookEvent.objects.get().processed_at is not None
