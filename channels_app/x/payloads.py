"""X payloads in every shape (API v2, Account Activity v1.1, X Activity API) -> InboundMessage.

Pure: no database, no network. Threads: one public X thread per customer is one conversation
(``tweet:{conversation_id}:{customer_id}``), one 1:1 DM conversation is one private conversation
(``dm:{dm_conversation_id}``). Message external ids are X's own ids (post ids and DM event ids share
one snowflake space), so the id a send returns is the id the webhook echo carries, and the echo is
not a second message.
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
