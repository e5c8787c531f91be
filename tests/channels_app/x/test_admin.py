"""Admin pages for X channels: add, edit with write-only secrets, connect with GET /2/users/me."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses
from django.db import connection
from django.test import override_settings

from accounts.models import Role
from inbox.models import Channel, ChannelKind, ChannelStatus
from tests.factories import make_channel, make_team, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x"
SECRETS = {
    "consumer_key": "ck-admin-secret-1",
    "consumer_secret": "cs-admin-secret-2",
    "access_token": "at-admin-secret-3",
    "access_token_secret": "ats-admin-secret-4",
    "bearer_token": "bt-admin-secret-5",
}


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(role=Role.ADMIN))
    return client


def raw_credentials(channel: Channel) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_app_channel WHERE id = %s", [channel.pk])
        return str(cursor.fetchone()[0])


def make_x_channel(**config):
    return make_channel(team=make_team(), kind=ChannelKind.X, name="Acme on X", config=config, credentials=dict(SECRETS))


def test_an_admin_adds_an_x_channel_whose_secrets_are_stored_encrypted(admin_client):
    # given
    team = make_team()
    form = {"name": "Acme on X", "team": team.pk, "poll_interval_seconds": 60, "poll_dms": "on", **SECRETS}
    # when
    response = admin_client.post("/settings/channels/x/add/", form)
    # then
    channel = Channel.objects.get(kind=ChannelKind.X)
    assert response.status_code == 302
    assert channel.credentials == SECRETS
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert [secret for secret in SECRETS.values() if secret in raw_credentials(channel)] == []


def test_the_edit_page_never_shows_a_stored_secret(admin_client):
    # given
    channel = make_x_channel(user_id="2244994945", username="acme")
    # when
    page = admin_client.get(f"/settings/channels/x/{channel.pk}/").content.decode()
    # then
    assert [secret for secret in SECRETS.values() if secret in page] == []
    assert page.count("set; leave empty to keep it") == 5


def test_saving_the_form_with_empty_secret_fields_keeps_the_stored_secrets(admin_client):
    # given
    channel = make_x_channel(user_id="2244994945", username="acme")
    # when
    admin_client.post(
        f"/settings/channels/x/{channel.pk}/", {"name": "Renamed", "team": channel.team_id, "poll_interval_seconds": 90}
    )
    # then
    channel.refresh_from_db()
    assert (channel.name, channel.poll_interval_seconds, channel.credentials) == ("Renamed", 90, SECRETS)


@override_settings(PARLEY_PUBLIC_URL="https://parley.example.com")
def test_connecting_stores_the_brand_account_and_shows_the_webhook_url(admin_client):
    # given
    channel = make_x_channel()
    me = json.loads((FIXTURES / "users_me.json").read_text())
    # when
    with responses.RequestsMock() as x_api:
        x_api.get("https://api.twitter.com/2/users/me", json=me)
        admin_client.post(f"/settings/channels/x/{channel.pk}/connect/")
    page = admin_client.get(f"/settings/channels/x/{channel.pk}/").content.decode()
    # then
    channel.refresh_from_db()
    assert (channel.config["user_id"], channel.config["username"], channel.status) == ("2244994945", "acme", ChannelStatus.ACTIVE)
    assert f"https://parley.example.com/webhooks/x?channel={channel.pk}" in page
    assert "@acme" in page


def test_connecting_with_refused_keys_marks_the_channel_and_says_why(admin_client):
    # given
    channel = make_x_channel()
    # when
    with responses.RequestsMock() as x_api:
        x_api.get(
            "https://api.twitter.com/2/users/me",
            status=401,
            json={"title": "Unauthorized", "detail": "Unauthorized", "status": 401},
        )
        response = admin_client.post(f"/settings/channels/x/{channel.pk}/connect/", follow=True)
    # then
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert "X refused the keys: Unauthorized" in response.content.decode()


def test_an_agent_cannot_open_the_x_settings(client):
    # given
    channel = make_x_channel()
    client.force_login(make_user(role=Role.AGENT))
    # when
    response = client.get(f"/settings/channels/x/{channel.pk}/")
    # then
    assert response.status_code == 404


def test_the_channel_list_links_to_adding_and_editing_x_channels(admin_client):
    # given
    channel = make_x_channel()
    # when
    page = admin_client.get("/settings/channels/").content.decode()
    # then
    assert 'href="/settings/channels/x/add/"' in page
    assert f'href="/settings/channels/x/{channel.pk}/"' in page


def test_giving_a_channel_to_another_team_moves_its_conversations(admin_client, django_capture_on_commit_callbacks):
    # given
    from inbox.actions import ingest_message
    from inbox.models import Conversation
    from tests.factories import make_inbound

    channel = make_x_channel(user_id="2244994945", handle="acme")
    other_team = make_team()
    conversation_id = ingest_message(inbound=make_inbound(channel=channel)).conversation_id
    # when
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            f"/settings/channels/x/{channel.pk}/", {"name": channel.name, "team": other_team.pk, "poll_interval_seconds": 60}
        )
    # then
    assert Conversation.objects.get(pk=conversation_id).team_id == other_team.pk


def test_admins_are_told_on_every_page_when_a_channel_needs_attention(admin_client):
    # given
    channel = make_x_channel()
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.DISABLED, status_reason="Access revoked")
    # when
    page = admin_client.get("/")
    # then
    assert b"1 channel needs attention" in page.content
