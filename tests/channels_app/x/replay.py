"""X's HTTP API replayed: recorded payloads from tests/fixtures/x, rate-limit headers, a connected channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from responses import matchers

from channels_app.x.connector import XConnector
from inbox.actions import send_reply
from inbox.models import ChannelKind, Conversation
from tests.factories import make_channel, make_team, make_user

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x"
API = "https://api.twitter.com/2"
BRAND_ID = "2244994945"
MENTIONS_URL = f"{API}/users/{BRAND_ID}/mentions"
DM_EVENTS_URL = f"{API}/dm_events"
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
CREDENTIALS = {
    "consumer_key": "ck-never-logged-1",
    "consumer_secret": "cs-never-logged-2",
    "access_token": "at-never-logged-3",
    "access_token_secret": "ats-never-logged-4",
    "bearer_token": "bt-never-logged-5",
}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def budget_headers(limit: int = 300, remaining: int = 299, reset_in: int = 900) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(int(NOW.timestamp()) + reset_in),
    }


def without_param(name: str):
    def match(request):
        present = name in parse_qs(urlparse(request.url).query)
        return (not present, f"{name} was sent" if present else "")

    return match


def with_token(token: str):
    return matchers.query_param_matcher({"pagination_token": token}, strict_match=False)


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlparse(call.request.url).query)


def make_x_channel(*, cursor: dict | None = None, poll_dms: bool = False, team=None):
    channel = make_channel(
        team=team or make_team(),
        kind=ChannelKind.X,
        name="Acme on X",
        config={"user_id": BRAND_ID, "username": "acme", "poll_dms": poll_dms},
        credentials=dict(CREDENTIALS),
    )
    if cursor is not None:
        channel.cursor = cursor
        channel.save(update_fields=["cursor"])
    return channel


def register_three_mention_pages(x_api) -> None:
    x_api.get(
        MENTIONS_URL, json=fixture("mentions_page1.json"), headers=budget_headers(), match=[without_param("pagination_token")]
    )
    x_api.get(
        MENTIONS_URL,
        json=fixture("mentions_page2.json"),
        headers=budget_headers(remaining=298),
        match=[with_token("7140dibdnow9c7btw3z2vwioavpvutgzrzm9icis4ndix")],
    )
    x_api.get(
        MENTIONS_URL,
        json=fixture("mentions_empty.json"),
        headers=budget_headers(remaining=297),
        match=[with_token("b26v89c19zqg8o3fpzhk2yy9gzqzhtl3qyrqmc9ikl3d9")],
    )


def stored_mention_thread(x_api):
    channel = make_x_channel(cursor={"mentions_since_id": "1860000000000000000"})
    register_three_mention_pages(x_api)
    XConnector(channel).poll()
    x_api.reset()
    conversation = Conversation.objects.get(thread_key="tweet:1870000000000000001:1234567890")
    agent = make_user(teams=[channel.team])
    return channel, conversation, agent


def queue_reply(conversation, agent, *, text="@developer Sorry! We are on it.", visibility="public", key="k1", options=None):
    return send_reply(
        conversation=conversation, author=agent, text=text, visibility=visibility, idempotency_key=key, options=options
    )
