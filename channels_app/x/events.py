"""A verified X webhook body, in the worker: new posts and DMs ingested, a revoked app disabled.

Both of X's webhook APIs arrive here: Account Activity (v1.1 shapes: tweet_create_events,
direct_message_events, user_event.revoke) and the X Activity API ({"data": {"event_type": ...}}).
The request itself was checked in channels_app.x.webhook and stored by channels_app.webhooks.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
import tweepy

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


def handle_webhook_payload(payload: dict[str, Any]) -> int:
    """Process one verified X webhook body (Account Activity or X Activity API); return new messages."""
    user_id = routed_user_id(payload)
    channel = channel_for_user(user_id)
    if channel is None:
        logger.info("x webhook for no channel", extra={"for_user_id": user_id})
        return 0
    data = payload.get("data")
    if isinstance(data, dict) and "event_type" in data:
        return _handle_activity_event(channel, data)
    if "user_event" in payload and "revoke" in (payload.get("user_event") or {}):
        revoke = payload["user_event"]["revoke"]
        _revoke(channel, str(revoke.get("date_time", "")))
        return 0
    return _handle_posts_v1(channel, payload.get("tweet_create_events") or [], payload.get("users")) + _handle_dms_v1(
        channel, payload.get("direct_message_events") or [], payload.get("users")
    )


def _handle_activity_event(channel: Channel, data: dict[str, Any]) -> int:
    event_type = str(data.get("event_type", ""))
    body = data.get("payload") or {}
    includes = data.get("includes") or {}
    if event_type == "oauth.revoke":
        _revoke(channel, str(body.get("date_time", "")))
        return 0
    if event_type in ("dm.received", "dm.sent"):
        return _handle_dms_v1(channel, body.get("direct_message_events") or [], body.get("users"))
    if event_type.startswith("post.") and event_type != "post.delete" and "author_id" in body:
        users = users_by_id(includes.get("users"))
        inbound = post_inbound(channel=channel, post=Post.from_v2(body), users=users)
        return int(actions.ingest_message(inbound=inbound).created) if inbound is not None else 0
    return 0  # likes, follows, typing, reads: nothing for the inbox


def _handle_posts_v1(channel: Channel, statuses: list[dict[str, Any]], users: Any) -> int:
    created = 0
    for status in statuses:
        post = Post.from_v1(status, _v1_conversation_id(channel, status))
        known = users_by_id(users)
        known.setdefault(post.author_id, status.get("user") or {})
        inbound = post_inbound(channel=channel, post=post, users=known)
        if inbound is not None:
            created += int(actions.ingest_message(inbound=inbound).created)
    return created


def _handle_dms_v1(channel: Channel, events: list[dict[str, Any]], users: Any) -> int:
    created = 0
    known = users_by_id(users)
    for event in events:
        if event.get("type") != "message_create":
            continue
        inbound = dm_inbound(channel=channel, dm=DirectMessage.from_v1(event), users=known)
        if inbound is not None:
            created += int(actions.ingest_message(inbound=inbound).created)
    return created


def _v1_conversation_id(channel: Channel, status: dict[str, Any]) -> str:
    """Account Activity posts (v1.1 shape) carry no conversation_id: find the thread's root."""
    parent = status.get("in_reply_to_status_id_str")
    if not parent:
        return str(status["id_str"])  # not a reply: it starts its own conversation
    thread_key = (
        Message.objects.filter(channel_id=channel.pk, external_id=str(parent))
        .values_list("conversation__thread_key", flat=True)
        .first()
    )
    if thread_key and thread_key.startswith("tweet:"):
        return thread_key.split(":")[1]
    try:
        return fetch_conversation_id(channel.credentials, status["id_str"])
    except (tweepy.TweepyException, requests.RequestException, KeyError, ValueError) as error:
        logger.warning("x conversation lookup failed", extra={"channel_id": channel.pk, "error": type(error).__name__})
        return str(parent)


def _revoke(channel: Channel, when: str) -> None:
    reason = f"The X account revoked Parley's access{' on ' + when if when else ''}. Reconnect it with new tokens."
    actions.disable_channel(channel=channel, reason=reason)
