"""An admin disables a channel: no polling, no replies, webhooks answered and stored, ingested on enable."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry, Role
from channels_app.models import WebhookEvent
from channels_app.tasks import poll_due_channels
from inbox.models import Channel, Conversation
from tests.channels_app.x.test_webhook import make_x_channel, post_event, raw_fixture, signature
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(make_user(role=Role.ADMIN, username="root"))
    return client


def test_a_disabled_channels_webhook_is_answered_and_stored_but_ingested_only_once_enabled(
    admin_client, client, django_capture_on_commit_callbacks
):
    # given
    channel = make_x_channel()
    page = admin_client.post(f"/settings/channels/{channel.pk}/disable/", follow=True).content.decode()
    body = raw_fixture("aaa_tweet_create.json")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, channel, body, signature(body))
    held_page = admin_client.get("/settings/channels/").content.decode()
    before_enable = Conversation.objects.filter(channel=channel).count()
    with django_capture_on_commit_callbacks(execute=True):
        enabled_page = admin_client.post(f"/settings/channels/{channel.pk}/enable/", follow=True).content.decode()
    # then
    assert response.status_code == 200
    assert "Webhook deliveries are still answered and stored" in page
    assert "(1 waiting)" in held_page
    assert before_enable == 0
    assert "1 held webhook delivery is being brought in" in enabled_page
    assert Conversation.objects.filter(channel=channel).count() == 1
    assert WebhookEvent.objects.get().processed_at is not None
    kinds = list(AuditEntry.objects.filter(kind__startswith="channel.").values_list("kind", flat=True))
    assert sorted(kinds) == ["channel.disabled", "channel.enabled"]


def test_a_disabled_channel_is_not_polled(admin_client):
    # given
    channel = make_x_channel()
    Channel.objects.filter(pk=channel.pk).update(next_poll_at=timezone.now())
    admin_client.post(f"/settings/channels/{channel.pk}/disable/")
    # when
    polled = poll_due_channels()
    # then
    assert polled == 0
    assert Channel.objects.get(pk=channel.pk).last_polled_at is None
