"""Admins add and edit a Facebook Page channel; secrets are write-only; connect subscribes the Page."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from django.conf import settings

from accounts.models import Role
from inbox.models import Channel, ChannelStatus
from tests.channels_app.facebook.helpers import APP_SECRET, GRAPH, PAGE_ID
from tests.factories import make_team, make_user

pytestmark = pytest.mark.django_db

ADD_URL = "/settings/channels/facebook/add/"


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(role=Role.ADMIN))
    return client


def _form(team_id: int, **overrides: str) -> dict[str, str]:
    return {
        "name": "Aurora on Facebook",
        "team": str(team_id),
        "page_id": PAGE_ID,
        "page_name": "Aurora Outdoor",
        "app_id": "1517776481860111",
        "verify_token": "",
        "poll_interval_seconds": "60",
        "page_access_token": "EAAG-page-token-secret",
        "app_secret": "app-secret-value",
        **overrides,
    }


def test_an_admin_adds_a_page_and_sees_the_webhook_url_and_verify_token_but_no_secret(admin_client):
    # given
    team = make_team()
    # when
    response = admin_client.post(ADD_URL, _form(team.pk), follow=True)
    # then
    channel = Channel.objects.get()
    page = response.content.decode()
    assert channel.kind == "facebook"
    assert channel.credentials == {"page_access_token": "EAAG-page-token-secret", "app_secret": "app-secret-value"}
    assert len(channel.config["verify_token"]) >= 24
    assert settings.PARLEY_PUBLIC_URL + "/webhooks/facebook" in page
    assert channel.config["verify_token"] in page
    assert "EAAG-page-token-secret" not in page
    assert "app-secret-value" not in page


def test_editing_without_retyping_the_secrets_keeps_them(admin_client, channel):
    # given
    url = f"/settings/channels/facebook/{channel.pk}/"
    # when
    page = admin_client.get(url).content.decode()
    admin_client.post(
        url,
        _form(channel.team_id, name="Renamed", page_access_token="", app_secret="", verify_token=channel.config["verify_token"]),
    )
    # then
    channel.refresh_from_db()
    assert channel.name == "Renamed"
    assert channel.credentials["app_secret"] == APP_SECRET
    assert "set; leave empty to keep it" in page
    assert APP_SECRET not in page


def test_connecting_checks_the_token_and_subscribes_the_page_to_its_webhooks(admin_client, channel, graph):
    # given
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_ATTENTION, status_reason="token expired")
    graph.get(f"{GRAPH}/{PAGE_ID}", json={"id": PAGE_ID, "name": "Aurora Outdoor AS"})
    subscribe = graph.post(f"{GRAPH}/{PAGE_ID}/subscribed_apps", json={"success": True})
    # when
    admin_client.post(f"/settings/channels/facebook/{channel.pk}/connect/")
    # then
    channel.refresh_from_db()
    assert parse_qs(subscribe.calls[0].request.body)["subscribed_fields"] == ["feed,messages,message_echoes"]
    assert (channel.status, channel.status_reason) == (ChannelStatus.ACTIVE, "")
    assert channel.config["page_name"] == "Aurora Outdoor AS"


def test_connecting_with_a_refused_token_marks_the_channel_and_says_why(admin_client, channel, graph):
    # given
    graph.get(
        f"{GRAPH}/{PAGE_ID}",
        status=400,
        json={
            "error": {
                "message": "Invalid OAuth access token - Cannot parse access token",
                "type": "OAuthException",
                "code": 190,
                "fbtrace_id": "A1",
            }
        },
    )
    # when
    response = admin_client.post(f"/settings/channels/facebook/{channel.pk}/connect/", follow=True)
    # then
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_ATTENTION
    assert "Cannot parse access token" in response.content.decode()


def test_an_agent_cannot_open_the_facebook_settings(client, channel):
    # given
    client.force_login(make_user(role=Role.AGENT))
    # when
    response = client.get(f"/settings/channels/facebook/{channel.pk}/")
    # then
    assert response.status_code == 404


def test_the_channel_list_links_to_adding_and_editing_facebook_pages(admin_client, channel):
    # when
    page = admin_client.get("/settings/channels/").content.decode()
    # then
    assert f'href="{ADD_URL}"' in page
    assert f'href="/settings/channels/facebook/{channel.pk}/"' in page
