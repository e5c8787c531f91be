"""Facebook's webhook request end to end: Meta's verification, signatures, and a verified delivery
stored and processed (in the test's transaction, and by a real Celery worker)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest

from channels_app.models import WebhookEvent
from inbox.models import Message
from tests.channels_app.facebook.helpers import (
    APP_SECRET,
    COMMENT_ID,
    OTHER_PAGE_ID,
    VERIFY_TOKEN,
    load,
    make_facebook_channel,
    sign,
)

pytestmark = pytest.mark.django_db


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


def test_a_signed_delivery_is_stored_for_its_pages_channel_and_processed(post, channel):
    # when
    response = post(load("comment_add"))
    # then: stored with the channel the request found for the Page (so a disabled channel holds it)
    assert response.status_code == 200
    assert WebhookEvent.objects.get().channel_id == channel.pk
    assert WebhookEvent.objects.get().processed_at is not None
    assert Message.objects.count() == 1


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
