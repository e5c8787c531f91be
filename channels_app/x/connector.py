"""The X connector on API v2 with tweepy: mentions and DMs polled in, public replies and DMs out.

Polling is paced by the budget X reports (channels_app.x.client.record_budget); the cursor moves
only after every page it covers is stored. A public reply answers the customer's latest post, a
private one is a DM; the composer checks X's weighted 280-character count before anything is queued.
"""

from __future__ import annotations

import html
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests
import tweepy
from django.utils import timezone
from twitter_text import parse_tweet

from channels_app.base import (
    ChannelAuthError,
    NotSent,
    OutcomeUnknown,
    PermanentSendError,
    SendError,
    SendResult,
    request_error,
)
from channels_app.x.client import (
    DM_EVENT_FIELDS,
    DM_EXPANSIONS,
    MEDIA_FIELDS,
    TWEET_EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    build_client,
    platform_reason,
    record_budget,
    send_error,
)
from channels_app.x.payloads import DirectMessage, Post, dm_inbound, post_inbound, users_by_id
from inbox import actions
from inbox.models import Channel, Direction, Message
from inbox.ports import ReplyRefused

logger = logging.getLogger(__name__)

POST_MAX_WEIGHTED = 280
DM_MAX_CHARS = 10_000
MAX_PAGES = 10  # the mentions timeline reaches only the 800 newest (8 pages of 100): a safety bound
CHECK_X = "Look for it on the brand's X profile (posts and replies) or in the DM conversation; retry only if it is not there."
URL = re.compile(r"https?://\S+")


def comparable(text: str) -> str:
    """A reply's text as X shows it back: links become t.co links, so they are left out."""
    return " ".join(URL.sub("", html.unescape(text)).split())


def weighted_length(text: str) -> int:
    """X's weighted count (twitter-text v3): URLs 23, most CJK characters and emoji 2, the rest 1."""
    return int(parse_tweet(text).weightedLength)


class XConnector:
    kind: ClassVar[str] = "x"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self._client: tweepy.Client | None = None

    @property
    def client(self) -> tweepy.Client:
        if self._client is None:
            self._client = build_client(self.channel.credentials)
        return self._client

    @property
    def user_id(self) -> str:
        return str(self.channel.config.get("user_id", ""))

    def _call(self, cursor: dict[str, Any], endpoint: str, method: Any, *args: Any, **params: Any) -> dict[str, Any]:
        params = {k: v for k, v in params.items() if v is not None}
        try:
            response = method(*args, **params)
        except tweepy.HTTPException as error:
            record_budget(cursor, endpoint, error.response.headers, time.time())
            raise
        record_budget(cursor, endpoint, response.headers, time.time())
        body = response.json()
        return body if isinstance(body, dict) else {}

    # -- polling --

    def poll(self) -> int:
        if not self.user_id:
            raise ChannelAuthError("The X channel is not connected yet: an admin has to press Connect.")
        cursor = dict(self.channel.cursor or {})
        cursor.pop("rate_limited", None)
        created = 0
        try:
            if self._due(cursor, "mentions"):
                created += self._poll_mentions(cursor)
            if self.channel.config.get("poll_dms", True) and self._due(cursor, "dm_events"):
                created += self._poll_dms(cursor)
        except tweepy.TooManyRequests as error:
            until = (
                datetime.fromtimestamp(error.reset_time, tz=UTC) if error.reset_time else timezone.now() + timedelta(minutes=1)
            )
            cursor["rate_limited"] = {"until": until.isoformat(), "reason": platform_reason(error)}
            logger.warning("x poll rate limited", extra={"channel_id": self.channel.pk, "until": until.isoformat()})
            actions.save_channel_cursor(channel=self.channel, cursor=cursor, next_poll_at=until)
            return created
        except tweepy.Unauthorized as error:
            actions.save_channel_cursor(channel=self.channel, cursor=cursor)
            raise ChannelAuthError(f"X refused the channel's credentials: {platform_reason(error)}") from error
        except tweepy.Forbidden as error:
            actions.save_channel_cursor(channel=self.channel, cursor=cursor)
            raise ChannelAuthError(
                f"X refused access (check the app's plan and permissions): {platform_reason(error)}"
            ) from error
        except (tweepy.TwitterServerError, requests.RequestException) as error:
            # Nothing was advanced: the next poll asks again.
            logger.warning("x poll failed", extra={"channel_id": self.channel.pk, "error": type(error).__name__})
            actions.save_channel_cursor(channel=self.channel, cursor=cursor)
            actions.record_poll_failed(channel=self.channel, reason=_poll_failure(error))
            return created
        actions.save_channel_cursor(channel=self.channel, cursor=cursor)
        actions.record_poll_ok(channel=self.channel)
        return created

    def _due(self, cursor: dict[str, Any], endpoint: str) -> bool:
        next_at = (cursor.get("limits") or {}).get(endpoint, {}).get("next_at")
        return next_at is None or float(next_at) <= time.time()

    def _poll_mentions(self, cursor: dict[str, Any]) -> int:
        since_id = cursor.get("mentions_since_id")
        newest_id: str | None = None
        token: str | None = None
        posts: list[Post] = []
        users: dict[str, dict[str, Any]] = {}
        for _ in range(MAX_PAGES):
            body = self._call(
                cursor,
                "mentions",
                self.client.get_users_mentions,
                self.user_id,
                since_id=since_id,
                pagination_token=token,
                max_results=100,
                tweet_fields=TWEET_FIELDS,
                expansions=TWEET_EXPANSIONS,
                user_fields=USER_FIELDS,
                media_fields=MEDIA_FIELDS,
                user_auth=True,
            )
            meta = body.get("meta") or {}
            newest_id = newest_id or meta.get("newest_id")
            includes = body.get("includes") or {}
            users.update(users_by_id(includes.get("users")))
            media = {str(m.get("media_key")): m for m in includes.get("media") or []}
            posts.extend(Post.from_v2(tweet, media) for tweet in body.get("data") or [])
            token = meta.get("next_token")
            # A new channel starts from the newest page; it does not backfill 800 old mentions.
            if not token or since_id is None:
                break
        created = 0
        for post in sorted(posts, key=lambda p: int(p.id)):  # oldest first: the wait starts at the first
            inbound = post_inbound(channel=self.channel, post=post, users=users)
            if inbound is not None:
                created += int(actions.ingest_message(inbound=inbound).created)
        # Every page is stored: only now does the cursor move.
        if newest_id:
            cursor["mentions_since_id"] = str(newest_id)
        return created

    def _poll_dms(self, cursor: dict[str, Any]) -> int:
        known_newest = cursor.get("dm_newest_id")
        token: str | None = None
        fresh: list[DirectMessage] = []
        users: dict[str, dict[str, Any]] = {}
        newest_seen: str | None = None
        for _ in range(MAX_PAGES):
            body = self._call(
                cursor,
                "dm_events",
                self.client.get_direct_message_events,
                dm_event_fields=DM_EVENT_FIELDS,
                event_types="MessageCreate",
                expansions=DM_EXPANSIONS,
                user_fields=USER_FIELDS,
                max_results=100,
                pagination_token=token,
                user_auth=True,
            )
            events = [
                DirectMessage.from_v2(e)
                for e in body.get("data") or []
                if e.get("event_type", "MessageCreate") == "MessageCreate"
            ]
            users.update(users_by_id((body.get("includes") or {}).get("users")))
            stored = set(
                Message.objects.filter(channel_id=self.channel.pk, external_id__in=[e.id for e in events]).values_list(
                    "external_id", flat=True
                )
            )
            reached_known = False
            for event in events:  # newest first
                newest_seen = newest_seen or event.id
                if event.id in stored or (known_newest and int(event.id) <= int(known_newest)):
                    reached_known = True
                    break
                fresh.append(event)
            token = (body.get("meta") or {}).get("next_token")
            if reached_known or not token or known_newest is None:
                break
        created = 0
        # Oldest first, so a failure part-way leaves only newer events unstored, and the next poll
        # (which stops at the newest stored one) still reaches them.
        for event in reversed(fresh):
            inbound = dm_inbound(channel=self.channel, dm=event, users=users)
            if inbound is not None:
                created += int(actions.ingest_message(inbound=inbound).created)
        if newest_seen and (not known_newest or int(newest_seen) > int(known_newest)):
            cursor["dm_newest_id"] = newest_seen
        return created

    # -- sending --

    def send(self, message: Any) -> SendResult:
        conversation = message.conversation
        try:
            if message.visibility == "public":
                reply_to = latest_customer_post_id(conversation)
                if reply_to is None:
                    raise PermanentSendError("There is no customer post in this thread to reply to on X.")
                actions.record_send_details(message=message, details={"sent_to": {"in_reply_to": reply_to}})
                response = self.client.create_tweet(text=message.text, in_reply_to_tweet_id=reply_to, user_auth=True)
                return SendResult(external_id=str(response.json()["data"]["id"]))
            participant = conversation.identity.external_id
            actions.record_send_details(message=message, details={"sent_to": {"participant_id": participant}})
            response = self.client.create_direct_message(participant_id=participant, text=message.text, user_auth=True)
            return SendResult(external_id=str(response.json()["data"]["dm_event_id"]))
        except SendError:
            raise
        except tweepy.HTTPException as error:
            raise send_error(error) from error
        except requests.RequestException as error:
            raise request_error(error, platform="X", check=CHECK_X) from error
        except (KeyError, TypeError, ValueError) as error:
            # X answered 2xx with a body we cannot read: the post exists, its id is unknown.
            raise OutcomeUnknown(f"X's answer could not be read ({type(error).__name__}).", CHECK_X) from error

    def find_sent(self, message: Any) -> str | None:
        """The brand's recent posts (a public reply) or the DM conversation's events (a DM) since the
        first attempt, searched for this reply's text."""
        sent_to = (message.raw or {}).get("sent_to") or {}
        since = message.sending_started_at or message.platform_time
        start = (since - timedelta(minutes=5)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        wanted = comparable(message.text)
        try:
            if message.visibility == "public":
                body = self.client.get_users_tweets(
                    self.user_id,
                    start_time=start,
                    max_results=100,
                    tweet_fields=["referenced_tweets", "created_at"],
                    user_auth=True,
                ).json()
                for tweet in body.get("data") or []:
                    replied = {str(r.get("id")) for r in tweet.get("referenced_tweets") or [] if r.get("type") == "replied_to"}
                    target = str(sent_to.get("in_reply_to") or "")
                    if comparable(tweet.get("text", "")) == wanted and (not target or target in replied):
                        return str(tweet["id"])
                return None
            participant = str(sent_to.get("participant_id") or message.conversation.identity.external_id)
            body = self.client.get_direct_message_events(
                participant_id=participant,
                dm_event_fields=["id", "text", "sender_id", "created_at"],
                event_types="MessageCreate",
                max_results=100,
                user_auth=True,
            ).json()
            for event in body.get("data") or []:
                if str(event.get("sender_id")) == self.user_id and comparable(event.get("text", "")) == wanted:
                    created = event.get("created_at")
                    if not created or datetime.fromisoformat(created.replace("Z", "+00:00")) >= since - timedelta(minutes=5):
                        return str(event["id"])
            return None
        except tweepy.HTTPException as error:
            raise send_error(error) from error
        except requests.RequestException as error:
            raise NotSent(f"Could not reach X to check ({type(error).__name__}).") from error

    # -- composer rules --

    def reply_limits(self, conversation: Any) -> dict[str, Any]:
        if conversation.visibility == "public":
            return {
                "max_chars": POST_MAX_WEIGHTED,
                "weighted": True,
                "visibilities": ["public", "private"],
                "note": "A public reply has 280 characters as X counts them: a link counts 23, most emoji and "
                "CJK characters 2. A private reply goes to the customer as a DM.",
            }
        return {"max_chars": DM_MAX_CHARS, "visibilities": ["private"], "note": "An X Direct Message of up to 10,000 characters."}

    def check_reply(self, conversation: Any, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        if visibility == "public":
            if conversation.visibility != "public":
                raise ReplyRefused("This is a DM conversation: answer it privately.")
            _check_post_length(text, "A public X reply")
            return
        if len(text) > DM_MAX_CHARS:
            raise ReplyRefused(f"An X DM has at most {DM_MAX_CHARS:,} characters; this one has {len(text):,}.")
        note = str(options.get("public_note") or "").strip()
        if note and conversation.visibility == "public":
            _check_post_length(note, "The public note")


def _check_post_length(text: str, what: str) -> None:
    length = weighted_length(text)
    if length > POST_MAX_WEIGHTED:
        raise ReplyRefused(f"{what} has at most {POST_MAX_WEIGHTED} characters as X counts them; this one has {length}.")


def latest_customer_post_id(conversation: Any) -> str | None:
    return (
        Message.objects.filter(conversation=conversation, direction=Direction.IN, visibility="public", external_id__isnull=False)
        .order_by("-platform_time", "-id")
        .values_list("external_id", flat=True)
        .first()
    )


def _poll_failure(error: Exception) -> str:
    if isinstance(error, tweepy.TwitterServerError):
        return f"X had a server error: {platform_reason(error)}"
    return f"Could not reach X ({type(error).__name__})."
