"""X payloads in every shape (API v2, Account Activity v1.1, X Activity API) -> InboundMessage.

Pure: no database, no network. Threads: one public X thread per customer is one conversation
(``tweet:{conversation_id}:{customer_id}``), one 1:1 DM conversation is one private conversation
(``dm:{dm_conversation_id}``). Message external ids are X's own ids (post ids and DM event ids share
one snowflake space), so the id a send returns is the id the webhook echo carries, and the echo is
not a second message.

Every field X may leave out is optional: a user given only as `id`, media as an object or a list,
a post or DM without a time (it gets the delivery's time and is marked time_estimated). What still
cannot be mapped raises KeyError or ValueError, which the caller keeps as a skipped event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from inbox.inbound import Attachment, AuthorIdentity, InboundMessage
from inbox.models import Channel


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
    time_estimated: bool = False  # X gave no time: created_at is when the delivery reached us

    @classmethod
    def from_v2(
        cls,
        tweet: dict[str, Any],
        media_by_key: dict[str, dict[str, Any]] | None = None,
        *,
        fallback_time: datetime | None = None,
    ) -> Post:
        note = tweet.get("note_tweet") or {}
        references = tweet.get("referenced_tweets") or []
        keys = (tweet.get("attachments") or {}).get("media_keys") or []
        media = tuple(_media_attachment((media_by_key or {}).get(k, {"type": "media"})) for k in keys)
        created_at, estimated = _time(tweet.get("created_at"), _parse_iso, fallback_time)
        return cls(
            id=_required_id(tweet, "id"),
            author_id=_required_id(tweet, "author_id"),
            text=str(note.get("text") or tweet.get("text", "")),
            created_at=created_at,
            conversation_id=str(tweet.get("conversation_id") or tweet["id"]),
            in_reply_to_user_id=str(tweet.get("in_reply_to_user_id") or ""),
            is_retweet=any(isinstance(r, dict) and r.get("type") == "retweeted" for r in references),
            media=media,
            raw=tweet,
            time_estimated=estimated,
        )

    @classmethod
    def from_v1(cls, status: dict[str, Any], conversation_id: str, *, fallback_time: datetime | None = None) -> Post:
        extended = status.get("extended_tweet") or {}
        entities = extended.get("extended_entities") or status.get("extended_entities") or {}
        media = tuple(_v1_media(m) for m in _as_list(entities.get("media")))
        created_at, estimated = _time(status, _parse_v1_time, fallback_time)
        return cls(
            id=_required_id(status, "id_str", "id"),
            author_id=_required_id(status.get("user") or {}, "id_str", "id", what="user id"),
            text=str(extended.get("full_text") or status.get("full_text") or status.get("text", "")),
            created_at=created_at,
            conversation_id=conversation_id,
            in_reply_to_user_id=str(status.get("in_reply_to_user_id_str") or status.get("in_reply_to_user_id") or ""),
            is_retweet="retweeted_status" in status,
            media=media,
            raw=status,
            time_estimated=estimated,
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
    time_estimated: bool = False

    @classmethod
    def from_v2(cls, event: dict[str, Any], *, fallback_time: datetime | None = None) -> DirectMessage:
        created_at, estimated = _time(event.get("created_at"), _parse_iso, fallback_time)
        return cls(
            id=_required_id(event, "id"),
            sender_id=str(event.get("sender_id", "")),
            dm_conversation_id=str(event.get("dm_conversation_id", "")),
            text=str(event.get("text", "")),
            created_at=created_at,
            raw=event,
            time_estimated=estimated,
        )

    @classmethod
    def from_v1(cls, event: dict[str, Any], *, fallback_time: datetime | None = None) -> DirectMessage:
        create = event.get("message_create") or {}
        sender = _required_id(create, "sender_id", what="sender_id")
        recipient = _required_id(create.get("target") or {}, "recipient_id", what="recipient_id")
        data = create.get("message_data") or {}
        attachment = data.get("attachment") or {}
        media = _as_list(attachment.get("media")) if isinstance(attachment, dict) else []
        created_at, estimated = _time(event.get("created_timestamp"), _parse_millis, fallback_time)
        return cls(
            id=_required_id(event, "id", "id_str"),
            sender_id=sender,
            dm_conversation_id=one_to_one_conversation_id(sender, recipient),
            text=str(data.get("text", "")),
            created_at=created_at,
            media=tuple(_v1_media(m) for m in media),
            raw=event,
            time_estimated=estimated,
        )


def one_to_one_conversation_id(a: str, b: str) -> str:
    """X names a 1:1 DM conversation "{smaller user id}-{larger user id}"."""
    low, high = sorted((a, b), key=int)
    return f"{low}-{high}"


def _required_id(value: dict[str, Any], *keys: str, what: str = "") -> str:
    """The first of keys that is present (X gives ids as strings, sometimes only as numbers)."""
    for key in keys:
        found = value.get(key)
        if found not in (None, ""):
            return str(found)
    raise KeyError(what or keys[0])


def _as_list(value: Any) -> list[dict[str, Any]]:
    """Media arrive as one object or a list of them."""
    items = value if isinstance(value, list) else [value] if value else []
    return [item for item in items if isinstance(item, dict)]


def _v1_media(media: dict[str, Any]) -> Attachment:
    return Attachment(name=str(media.get("type", "media")), url=str(media.get("media_url_https") or media.get("media_url") or ""))


def _time(value: Any, parse: Any, fallback: datetime | None) -> tuple[datetime, bool]:
    """(the platform's time, False), or (the delivery's time, True) when it is missing or unreadable."""
    try:
        parsed = parse(value)
    except (KeyError, TypeError, ValueError, OverflowError):
        parsed = None
    if parsed is not None:
        return parsed, False
    return fallback or timezone.now(), True


def _parse_iso(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_millis(value: Any) -> datetime | None:
    if value in (None, "", 0, "0"):
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def _parse_v1_time(status: dict[str, Any]) -> datetime | None:
    if status.get("timestamp_ms"):
        return _parse_millis(status["timestamp_ms"])
    if not status.get("created_at"):
        return None
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
    for user in users if isinstance(users, list) else []:
        data = _user_data(user)
        if not isinstance(data, dict):
            continue
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
        raw=_marked(post.raw, post.time_estimated),
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
        raw=_marked(dm.raw, dm.time_estimated),
        direction="out" if dm.sender_id == brand_id else "in",
    )


def _marked(raw: dict[str, Any], time_estimated: bool) -> dict[str, Any]:
    """The message's raw payload, marked when its time is the delivery's rather than X's."""
    return {**raw, "time_estimated": True} if time_estimated else raw


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
