"""A verified X webhook body, in the worker: new posts and DMs ingested, a revoked app disabled.

Both of X's webhook APIs arrive here: Account Activity (v1.1 shapes: tweet_create_events,
direct_message_events, user_event.revoke) and the X Activity API ({"data": {"event_type": ...}}).
The request itself was checked in channels_app.x.webhook and stored by channels_app.webhooks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import requests
import tweepy
from django.utils import timezone

from channels_app.base import EventReport
from channels_app.x.client import fetch_conversation_id
from channels_app.x.payloads import DirectMessage, Post, dm_inbound, post_inbound, routed_user_id, users_by_id
from inbox import actions
from inbox.models import Channel, ChannelKind, ChannelStatus, Message

logger = logging.getLogger(__name__)


def channel_for_user(user_id: Any) -> Channel | None:
    """The X channel whose connected account is this user (not a disabled one)."""
    if not user_id:
        return None
    return (
        Channel.objects.filter(kind=ChannelKind.X, config__user_id=str(user_id))
        .exclude(status=ChannelStatus.DISABLED)
        .order_by("pk")
        .first()
    )


def route_payload(payload: dict[str, Any]) -> Channel | None:
    return channel_for_user(routed_user_id(payload))


def handle_webhook_payload(payload: dict[str, Any], report: EventReport | None = None) -> int:
    """Process one verified X webhook body (Account Activity or X Activity API); return new messages.

    Each post and DM is guarded on its own: one that cannot be mapped is kept in the report with
    its reason, and its siblings are stored.
    """
    report = report if report is not None else EventReport(received_at=timezone.now())
    before = report.created
    user_id = routed_user_id(payload)
    channel = channel_for_user(user_id)
    if channel is None:
        report.ignored = f"no active X channel for user {user_id or '(none given)'}"
        return 0
    data = payload.get("data")
    if isinstance(data, dict) and "event_type" in data:
        _handle_activity_event(channel, data, report)
    elif "user_event" in payload and "revoke" in (payload.get("user_event") or {}):
        revoke = payload["user_event"]["revoke"]
        _revoke(channel, str(revoke.get("date_time", "")))
    else:
        users = payload.get("users")
        for status in _listed(payload.get("tweet_create_events"), "tweet_create_events", report):
            report.guarded("post", lambda status: _handle_post_v1(channel, status, users, report.received_at), status)
        _handle_dms_v1(channel, _listed(payload.get("direct_message_events"), "direct_message_events", report), users, report)
    return report.created - before


def _listed(value: Any, name: str, report: EventReport) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    report.skip(f"{name} is a {type(value).__name__}, not a list", value)
    return []


def _handle_activity_event(channel: Channel, data: dict[str, Any], report: EventReport) -> None:
    event_type = str(data.get("event_type", ""))
    body = data.get("payload") or {}
    includes = data.get("includes") or {}
    if event_type == "oauth.revoke":
        _revoke(channel, str(body.get("date_time", "")))
        return
    if event_type in ("dm.received", "dm.sent"):
        events = _listed(body.get("direct_message_events"), "direct_message_events", report)
        _handle_dms_v1(channel, events, body.get("users"), report)
        return
    if event_type.startswith("post.") and event_type != "post.delete" and "author_id" in body:
        users = users_by_id(includes.get("users"))

        def ingest_post(body: dict[str, Any]) -> int:
            inbound = post_inbound(channel=channel, post=Post.from_v2(body, fallback_time=report.received_at), users=users)
            return int(actions.ingest_message(inbound=inbound).created) if inbound is not None else 0

        report.guarded("post", ingest_post, body)
    # likes, follows, typing, reads: nothing for the inbox


def _handle_post_v1(channel: Channel, status: dict[str, Any], users: Any, received_at: datetime) -> int:
    post = Post.from_v1(status, _v1_conversation_id(channel, status), fallback_time=received_at)
    known = users_by_id(users)
    known.setdefault(post.author_id, status.get("user") or {})
    inbound = post_inbound(channel=channel, post=post, users=known)
    return int(actions.ingest_message(inbound=inbound).created) if inbound is not None else 0


def _handle_dms_v1(channel: Channel, events: list[Any], users: Any, report: EventReport) -> None:
    known = users_by_id(users)

    def ingest_dm(event: dict[str, Any]) -> int:
        if event.get("type") != "message_create":
            return 0
        dm = DirectMessage.from_v1(event, fallback_time=report.received_at)
        inbound = dm_inbound(channel=channel, dm=dm, users=known)
        return int(actions.ingest_message(inbound=inbound).created) if inbound is not None else 0

    for event in events:
        report.guarded("direct message", ingest_dm, event)


def _v1_conversation_id(channel: Channel, status: dict[str, Any]) -> str:
    """Account Activity posts (v1.1 shape) carry no conversation_id: find the thread's root."""
    parent = status.get("in_reply_to_status_id_str") or status.get("in_reply_to_status_id")
    own_id = str(status.get("id_str") or status["id"])
    if not parent:
        return own_id  # not a reply: it starts its own conversation
    thread_key = (
        Message.objects.filter(channel_id=channel.pk, external_id=str(parent))
        .values_list("conversation__thread_key", flat=True)
        .first()
    )
    if thread_key and thread_key.startswith("tweet:"):
        return thread_key.split(":")[1]
    try:
        return fetch_conversation_id(channel.credentials, own_id)
    except (tweepy.TweepyException, requests.RequestException, KeyError, ValueError) as error:
        logger.warning("x conversation lookup failed", extra={"channel_id": channel.pk, "error": type(error).__name__})
        return str(parent)


def _revoke(channel: Channel, when: str) -> None:
    reason = f"The X account revoked Parley's access{' on ' + when if when else ''}. Reconnect it with new tokens."
    actions.disable_channel(channel=channel, reason=reason)
