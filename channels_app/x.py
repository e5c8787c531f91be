"""X (Twitter) connector on API v2 with tweepy: mentions and DMs in, public replies and DMs out.

Threads: one public X thread per customer is one conversation (``tweet:{conversation_id}:{customer_id}``),
one 1:1 DM conversation is one private conversation (``dm:{dm_conversation_id}``). Message external ids
are X's own ids (post ids and DM event ids share one snowflake space), so the id a send returns is the
id the webhook echo carries, and the echo is not a second message.

Never tweepy's wait_on_rate_limit: it sleeps in-process and retries without bound. A 429 becomes a
retry at x-rate-limit-reset (sends) or a later poll (polling), and the remaining budget from the
x-rate-limit-* headers paces polling and is kept in Channel.cursor["limits"] for admins.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests
import tweepy
from django.utils import timezone
from twitter_text import parse_tweet

from channels_app.base import ChannelAuthError, PermanentSendError, SendError, SendResult, TransientSendError
from inbox.inbound import Attachment, AuthorIdentity, InboundMessage
from inbox.models import Channel, ChannelKind, ChannelStatus
from inbox.ports import ReplyRefused

logger = logging.getLogger(__name__)

POST_MAX_WEIGHTED = 280
DM_MAX_CHARS = 10_000
MAX_PAGES = 10  # the mentions timeline reaches only the 800 newest (8 pages of 100): a safety bound
REQUEST_TIMEOUT = (5, 30)  # connect, read (seconds): a worker never hangs on X

TWEET_FIELDS = [
    "author_id",
    "conversation_id",
    "created_at",
    "entities",
    "in_reply_to_user_id",
    "referenced_tweets",
    "note_tweet",
    "attachments",
]
TWEET_EXPANSIONS = ["author_id", "in_reply_to_user_id", "attachments.media_keys"]
USER_FIELDS = ["name", "username", "profile_image_url", "public_metrics"]
MEDIA_FIELDS = ["type", "url", "preview_image_url"]
DM_EVENT_FIELDS = [
    "id",
    "event_type",
    "text",
    "sender_id",
    "dm_conversation_id",
    "created_at",
    "attachments",
    "referenced_tweets",
    "participant_ids",
]
DM_EXPANSIONS = ["sender_id", "participant_ids"]

# X problem types that mean the app or its tokens lack access, not that this one post was refused.
AUTH_PROBLEMS = ("client-forbidden", "oauth1-permissions", "unsupported-authentication", "not-authorized-for-resource")


# --- client ---------------------------------------------------------------------------------------


class _TimeoutSession(requests.Session):
    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return super().request(method, url, *args, **kwargs)


def build_client(credentials: dict[str, Any]) -> tweepy.Client:
    """A tweepy Client that returns raw responses (for the rate-limit headers) and never sleeps."""
    client = tweepy.Client(
        bearer_token=credentials.get("bearer_token") or None,
        consumer_key=credentials.get("consumer_key") or None,
        consumer_secret=credentials.get("consumer_secret") or None,
        access_token=credentials.get("access_token") or None,
        access_token_secret=credentials.get("access_token_secret") or None,
        return_type=requests.Response,
        wait_on_rate_limit=False,
    )
    client.session = _TimeoutSession()
    return client


def fetch_me(credentials: dict[str, Any]) -> dict[str, Any]:
    """GET /2/users/me as the brand: proves the user tokens work and names the account."""
    response = build_client(credentials).get_me(user_auth=True, user_fields=USER_FIELDS)
    return dict(response.json()["data"])


def platform_reason(error: tweepy.HTTPException) -> str:
    """X's own words for a refusal, for the agent or the admin (never the request or a secret)."""
    messages = [str(m) for m in error.api_messages if m]
    status = getattr(error.response, "status_code", "")
    return "; ".join(messages) if messages else f"{status} {getattr(error.response, 'reason', '')}".strip()


def _problem_type(error: tweepy.HTTPException) -> str:
    try:
        body = error.response.json()
    except ValueError:
        return ""
    return str(body.get("type", "")) if isinstance(body, dict) else ""


def _record_budget(cursor: dict[str, Any], endpoint: str, headers: Any, now: float) -> None:
    """Keep what X says is left of this endpoint's window, and when the next call fits in it."""
    try:
        limit = int(headers["x-rate-limit-limit"])
        remaining = int(headers["x-rate-limit-remaining"])
        reset = int(headers["x-rate-limit-reset"])
    except (KeyError, TypeError, ValueError):
        return
    window_left = max(0.0, reset - now)
    # Spread what is left evenly over the rest of the window, so polling never runs dry early.
    next_at = reset if remaining <= 0 else now + window_left / (remaining + 1)
    cursor.setdefault("limits", {})[endpoint] = {
        "limit": limit,
        "remaining": remaining,
        "reset": reset,
        "next_at": round(next_at, 1),
    }


def weighted_length(text: str) -> int:
    """X's weighted count (twitter-text v3): URLs 23, most CJK characters and emoji 2, the rest 1."""
    return int(parse_tweet(text).weightedLength)


# --- payload shapes -> one internal form ----------------------------------------------------------


@dataclass(frozen=True)
class Post:
    id: str
    author_id: str
    text: str
    created_at: datetime
    conversation_id: str
    in_reply_to_user_id: str = ""
    is_retweet: bool = False
    media: tuple[Attachment, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_v2(cls, tweet: dict[str, Any], media_by_key: dict[str, dict[str, Any]] | None = None) -> Post:
        note = tweet.get("note_tweet") or {}
        references = tweet.get("referenced_tweets") or []
        keys = (tweet.get("attachments") or {}).get("media_keys") or []
        media = tuple(_media_attachment((media_by_key or {}).get(k, {"type": "media"})) for k in keys)
        return cls(
            id=str(tweet["id"]),
            author_id=str(tweet["author_id"]),
            text=str(note.get("text") or tweet.get("text", "")),
            created_at=_parse_iso(tweet.get("created_at")),
            conversation_id=str(tweet.get("conversation_id") or tweet["id"]),
            in_reply_to_user_id=str(tweet.get("in_reply_to_user_id") or ""),
            is_retweet=any(r.get("type") == "retweeted" for r in references),
            media=media,
            raw=tweet,
        )

    @classmethod
    def from_v1(cls, status: dict[str, Any], conversation_id: str) -> Post:
        extended = status.get("extended_tweet") or {}
        entities = extended.get("extended_entities") or status.get("extended_entities") or {}
        media = tuple(
            Attachment(name=str(m.get("type", "media")), url=str(m.get("media_url_https") or m.get("media_url") or ""))
            for m in entities.get("media") or []
        )
        return cls(
            id=str(status["id_str"]),
            author_id=str(status["user"]["id_str"]),
            text=str(extended.get("full_text") or status.get("full_text") or status.get("text", "")),
            created_at=_parse_v1_time(status),
            conversation_id=conversation_id,
            in_reply_to_user_id=str(status.get("in_reply_to_user_id_str") or ""),
            is_retweet="retweeted_status" in status,
            media=media,
            raw=status,
        )


@dataclass(frozen=True)
class DirectMessage:
    id: str
    sender_id: str
    dm_conversation_id: str
    text: str
    created_at: datetime
    media: tuple[Attachment, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_v2(cls, event: dict[str, Any]) -> DirectMessage:
        return cls(
            id=str(event["id"]),
            sender_id=str(event.get("sender_id", "")),
            dm_conversation_id=str(event.get("dm_conversation_id", "")),
            text=str(event.get("text", "")),
            created_at=_parse_iso(event.get("created_at")),
            raw=event,
        )

    @classmethod
    def from_v1(cls, event: dict[str, Any]) -> DirectMessage:
        create = event.get("message_create") or {}
        sender = str(create.get("sender_id", ""))
        recipient = str((create.get("target") or {}).get("recipient_id", ""))
        data = create.get("message_data") or {}
        media = (data.get("attachment") or {}).get("media") or {}
        return cls(
            id=str(event["id"]),
            sender_id=sender,
            dm_conversation_id=one_to_one_conversation_id(sender, recipient),
            text=str(data.get("text", "")),
            created_at=datetime.fromtimestamp(int(event.get("created_timestamp", 0)) / 1000, tz=UTC),
            media=(Attachment(name=str(media.get("type", "media")), url=str(media.get("media_url_https", ""))),) if media else (),
            raw=event,
        )


def one_to_one_conversation_id(a: str, b: str) -> str:
    """X names a 1:1 DM conversation "{smaller user id}-{larger user id}"."""
    low, high = sorted((a, b), key=int)
    return f"{low}-{high}"


def _parse_iso(value: Any) -> datetime:
    if not value:
        return timezone.now()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _parse_v1_time(status: dict[str, Any]) -> datetime:
    if status.get("timestamp_ms"):
        return datetime.fromtimestamp(int(status["timestamp_ms"]) / 1000, tz=UTC)
    return datetime.strptime(str(status["created_at"]), "%a %b %d %H:%M:%S %z %Y")


def _media_attachment(media: dict[str, Any]) -> Attachment:
    return Attachment(name=str(media.get("type", "media")), url=str(media.get("url") or media.get("preview_image_url") or ""))


def _user_data(user: dict[str, Any] | None) -> dict[str, Any]:
    """A user in any of X's shapes (v2, v1.1, the Activity API's {"data": {...}} wrapper)."""
    user = user or {}
    inner = user.get("data")
    return inner if isinstance(inner, dict) else user


def users_by_id(users: Any) -> dict[str, dict[str, Any]]:
    if isinstance(users, dict):  # AAA / XAA DM payloads: {"<id>": {...}}
        return {str(k): _user_data(v) for k, v in users.items()}
    found = {}
    for user in users or []:
        data = _user_data(user)
        if "id" in data or "id_str" in data:
            found[str(data.get("id_str") or data["id"])] = data
    return found


def author_identity(user_id: str, user: dict[str, Any] | None) -> AuthorIdentity:
    data = _user_data(user)
    username = str(data.get("username") or data.get("screen_name") or "")
    metrics = data.get("public_metrics") or {}
    followers = metrics.get("followers_count", data.get("followers_count"))
    return AuthorIdentity(
        kind="x",
        external_id=str(user_id),
        handle=f"@{username}" if username else "",
        display_name=str(data.get("name") or ""),
        profile_url=f"https://x.com/{username}" if username else "",
        avatar_url=str(data.get("profile_image_url_https") or data.get("profile_image_url") or ""),
        follower_count=int(followers) if followers is not None else None,
    )


def post_inbound(*, channel: Channel, post: Post, users: dict[str, dict[str, Any]]) -> InboundMessage | None:
    """A post in a customer's public thread; the brand's own reply is recorded as outbound."""
    brand_id = str(channel.config.get("user_id", ""))
    if post.is_retweet:
        return None
    if post.author_id == brand_id:
        customer_id = post.in_reply_to_user_id
        if not customer_id or customer_id == brand_id:
            return None  # the brand's own post or self-thread: no customer conversation
        direction = "out"
    else:
        customer_id = post.author_id
        direction = "in"
    return InboundMessage(
        channel_id=channel.pk,
        external_id=post.id,
        thread_key=f"tweet:{post.conversation_id}:{customer_id}",
        author=author_identity(post.author_id, users.get(post.author_id)),
        text=post.text,
        platform_time=post.created_at,
        attachments=post.media,
        visibility="public",
        raw=post.raw,
        direction=direction,
    )


def dm_inbound(*, channel: Channel, dm: DirectMessage, users: dict[str, dict[str, Any]]) -> InboundMessage | None:
    brand_id = str(channel.config.get("user_id", ""))
    parts = dm.dm_conversation_id.split("-")
    if len(parts) != 2 or brand_id not in parts:
        return None  # a group DM, or not the brand's conversation: not a support thread
    return InboundMessage(
        channel_id=channel.pk,
        external_id=dm.id,
        thread_key=f"dm:{dm.dm_conversation_id}",
        author=author_identity(dm.sender_id, users.get(dm.sender_id)),
        text=dm.text,
        platform_time=dm.created_at,
        attachments=dm.media,
        visibility="private",
        raw=dm.raw,
        direction="out" if dm.sender_id == brand_id else "in",
    )


# --- the connector --------------------------------------------------------------------------------


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
            _record_budget(cursor, endpoint, error.response.headers, time.time())
            raise
        _record_budget(cursor, endpoint, response.headers, time.time())
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
            self._save_cursor(cursor, next_poll_at=until)
            return created
        except tweepy.Unauthorized as error:
            self._save_cursor(cursor)
            raise ChannelAuthError(f"X refused the channel's credentials: {platform_reason(error)}") from error
        except tweepy.Forbidden as error:
            self._save_cursor(cursor)
            raise ChannelAuthError(
                f"X refused access (check the app's plan and permissions): {platform_reason(error)}"
            ) from error
        except (tweepy.TwitterServerError, requests.RequestException) as error:
            # Nothing was advanced: the next poll asks again.
            logger.warning("x poll failed", extra={"channel_id": self.channel.pk, "error": type(error).__name__})
            self._save_cursor(cursor)
            return created
        self._save_cursor(cursor)
        return created

    def _due(self, cursor: dict[str, Any], endpoint: str) -> bool:
        next_at = (cursor.get("limits") or {}).get(endpoint, {}).get("next_at")
        return next_at is None or float(next_at) <= time.time()

    def _save_cursor(self, cursor: dict[str, Any], *, next_poll_at: datetime | None = None) -> None:
        fields: dict[str, Any] = {"cursor": cursor}
        if next_poll_at is not None:
            fields["next_poll_at"] = next_poll_at
        Channel.objects.filter(pk=self.channel.pk).update(**fields)
        self.channel.cursor = cursor
        if next_poll_at is not None:
            self.channel.next_poll_at = next_poll_at

    def _poll_mentions(self, cursor: dict[str, Any]) -> int:
        from inbox.actions import ingest_message

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
                created += int(ingest_message(inbound=inbound).created)
        # Every page is stored: only now does the cursor move.
        if newest_id:
            cursor["mentions_since_id"] = str(newest_id)
        return created

    def _poll_dms(self, cursor: dict[str, Any]) -> int:
        from inbox.actions import ingest_message
        from inbox.models import Message

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
                created += int(ingest_message(inbound=inbound).created)
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
                response = self.client.create_tweet(text=message.text, in_reply_to_tweet_id=reply_to, user_auth=True)
                return SendResult(external_id=str(response.json()["data"]["id"]))
            response = self.client.create_direct_message(
                participant_id=conversation.identity.external_id, text=message.text, user_auth=True
            )
            return SendResult(external_id=str(response.json()["data"]["dm_event_id"]))
        except SendError:
            raise
        except tweepy.HTTPException as error:
            raise send_error(error) from error
        except requests.ReadTimeout as error:
            # The post may have gone out: retrying could post twice, so the agent decides.
            raise PermanentSendError("Outcome unknown: X did not answer in time. Check X before retrying.") from error
        except requests.RequestException as error:
            raise TransientSendError(f"Could not reach X ({type(error).__name__}).") from error

    # -- composer rules --

    def reply_limits(self, conversation: Any) -> dict[str, Any]:
        if conversation.visibility == "public":
            return {
                "max_chars": POST_MAX_WEIGHTED,
                "weighted": True,
                "note": "A public reply has 280 characters as X counts them: a link counts 23, most emoji and "
                "CJK characters 2. A private reply goes to the customer as a DM.",
            }
        return {"max_chars": DM_MAX_CHARS, "note": "An X Direct Message of up to 10,000 characters."}

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
    from inbox.models import Direction, Message

    return (
        Message.objects.filter(conversation=conversation, direction=Direction.IN, visibility="public", external_id__isnull=False)
        .order_by("-platform_time", "-id")
        .values_list("external_id", flat=True)
        .first()
    )


def send_error(error: tweepy.HTTPException) -> SendError:
    """Map X's answer to how delivery treats it: retry later, fail for good, or call an admin."""
    reason = platform_reason(error)
    if isinstance(error, tweepy.TooManyRequests):
        retry_after = max(1.0, error.reset_time - time.time()) if error.reset_time else None
        return TransientSendError(f"X rate limit reached: {reason}", retry_after=retry_after)
    if isinstance(error, tweepy.Unauthorized):
        return ChannelAuthError(f"X refused the channel's credentials: {reason}")
    if isinstance(error, tweepy.Forbidden) and _problem_type(error).rsplit("/", 1)[-1] in AUTH_PROBLEMS:
        return ChannelAuthError(f"X refused access (check the app's permissions): {reason}")
    if isinstance(error, tweepy.TwitterServerError):
        return TransientSendError(f"X had a server error: {reason}")
    # 400 / 403 / 404: duplicate content, a deleted post, a reply X does not allow.
    return PermanentSendError(f"X refused the reply: {reason}")


# --- webhooks -------------------------------------------------------------------------------------


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


def routed_user_id(payload: dict[str, Any]) -> str:
    """The brand account an X webhook payload is for, in either API's envelope."""
    data = payload.get("data")
    if isinstance(data, dict) and "event_type" in data:
        if data.get("event_type") == "oauth.revoke":
            return str((data.get("payload") or {}).get("user_id") or "")
        return str((data.get("filter") or {}).get("user_id") or "")
    if payload.get("for_user_id"):
        return str(payload["for_user_id"])
    revoke = (payload.get("user_event") or {}).get("revoke") or {}
    return str((revoke.get("source") or {}).get("user_id") or "")


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
    from inbox.actions import ingest_message

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
        return int(ingest_message(inbound=inbound).created) if inbound is not None else 0
    return 0  # likes, follows, typing, reads: nothing for the inbox


def _handle_posts_v1(channel: Channel, statuses: list[dict[str, Any]], users: Any) -> int:
    from inbox.actions import ingest_message

    created = 0
    for status in statuses:
        post = Post.from_v1(status, _v1_conversation_id(channel, status))
        known = users_by_id(users)
        known.setdefault(post.author_id, status.get("user") or {})
        inbound = post_inbound(channel=channel, post=post, users=known)
        if inbound is not None:
            created += int(ingest_message(inbound=inbound).created)
    return created


def _handle_dms_v1(channel: Channel, events: list[dict[str, Any]], users: Any) -> int:
    from inbox.actions import ingest_message

    created = 0
    known = users_by_id(users)
    for event in events:
        if event.get("type") != "message_create":
            continue
        inbound = dm_inbound(channel=channel, dm=DirectMessage.from_v1(event), users=known)
        if inbound is not None:
            created += int(ingest_message(inbound=inbound).created)
    return created


def _v1_conversation_id(channel: Channel, status: dict[str, Any]) -> str:
    """Account Activity posts (v1.1 shape) carry no conversation_id: find the thread's root."""
    from inbox.models import Message

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
        # A public read: app-only (bearer) when the channel has a bearer token, else as the brand.
        user_auth = not channel.credentials.get("bearer_token")
        response = build_client(channel.credentials).get_tweet(
            status["id_str"], tweet_fields=["conversation_id"], user_auth=user_auth
        )
        return str(response.json()["data"]["conversation_id"])
    except (tweepy.TweepyException, requests.RequestException, KeyError, ValueError) as error:
        logger.warning("x conversation lookup failed", extra={"channel_id": channel.pk, "error": type(error).__name__})
        return str(parent)


def _revoke(channel: Channel, when: str) -> None:
    reason = f"The X account revoked Parley's access{' on ' + when if when else ''}. Reconnect it with new tokens."
    logger.warning("x access revoked", extra={"channel_id": channel.pk})
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.DISABLED, status_reason=reason)


def public_webhook_url(channel: Channel) -> str:
    from django.conf import settings
    from django.urls import reverse

    return f"{settings.PARLEY_PUBLIC_URL.rstrip('/')}{reverse('webhooks:x')}?channel={channel.pk}"


__all__ = ["XConnector", "handle_webhook_payload", "weighted_length"]
