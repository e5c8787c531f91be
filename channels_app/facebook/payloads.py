"""Graph payloads -> inbox InboundMessage: feed webhooks, Messenger events, and the polled reads.

Pure: no database, no network. What a mapping depends on beyond the payload is passed in: the Page
it came through (Page), the thread a comment joins and whether a Messenger person was seen before,
which the connector looks up in the inbox.

Thread keys: a top-level comment and its replies are `post:{post_id}:comment:{top_comment_id}`, a
visitor post and its comments `post:{post_id}`, a Messenger conversation `messenger:{psid}`.

Fields Graph may leave out are optional: the author in the older feed shape (sender_id and
sender_name, no `from`), a time (the delivery's time is used and the message marked
time_estimated), an attachment payload that is a string or null (Messenger's fallback
attachments). What still cannot be mapped raises KeyError or ValueError for the caller to keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from inbox.inbound import Attachment, AuthorIdentity, InboundMessage
from inbox.models import Direction, Visibility

IDENTITY_KIND = "facebook"
POST_ITEMS = frozenset({"post", "status", "photo", "video"})


@dataclass(frozen=True)
class Page:
    """The Page a payload arrived for, through which channel, and the app that is ours."""

    channel_id: int
    page_id: str
    page_name: str = ""
    app_id: str = ""

    @property
    def author(self) -> AuthorIdentity:
        return AuthorIdentity(kind=IDENTITY_KIND, external_id=self.page_id, display_name=self.page_name)

    def wrote(self, value: dict[str, Any]) -> bool:
        """Whether the Page itself wrote this comment, post or message (`from`, or the older sender_id)."""
        return author_id(value) == self.page_id


def author_id(value: dict[str, Any]) -> str:
    author = value.get("from")
    if isinstance(author, dict) and author.get("id"):
        return str(author["id"])
    return str(value.get("sender_id") or "")


def timed(value: Any, fallback: datetime | None) -> tuple[datetime, bool]:
    """(Graph's time, False), or (the delivery's time, True) when Graph gave none we can read."""
    if value in (None, "", 0):
        return fallback or timezone.now(), True
    try:
        return parse_time(value), False
    except (TypeError, ValueError, OverflowError, OSError):
        return fallback or timezone.now(), True


def marked(raw: dict[str, Any], time_estimated: bool) -> dict[str, Any]:
    return {**raw, "time_estimated": True} if time_estimated else raw


def parse_time(value: Any) -> datetime:
    """Graph times: Unix seconds (feed webhooks), milliseconds (Messenger) or ISO strings (reads)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str) and value:
        text = value.replace("Z", "+00:00")
        if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
            text = text[:-2] + ":" + text[-2:]  # "+0000" -> "+00:00"
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return timezone.now()


# --- authors ----------------------------------------------------------------------------------------


def person(value: dict[str, Any], fallback_id: str) -> AuthorIdentity:
    """The commenter or poster named in `from` (or, in the older feed shape, sender_id/sender_name)."""
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    found = author_id(value)
    if not found:
        # Graph hides the author from some tokens: one identity per comment, never a shared one.
        return AuthorIdentity(kind=IDENTITY_KIND, external_id=f"anonymous:{fallback_id}", display_name="Facebook user")
    name = str(author.get("name") or value.get("sender_name") or "")
    return AuthorIdentity(kind=IDENTITY_KIND, external_id=found, display_name=name, handle=name)


def messenger_author(psid: str, *, name: str = "", first_seen: bool) -> AuthorIdentity:
    """A Messenger person; first_seen: no identity is stored for this PSID yet."""
    handle = name
    if not name and first_seen:
        # Messenger webhooks carry no name; a placeholder only for a person seen for the first time,
        # so it never overwrites the name a linked comment identity brought.
        handle = f"Messenger user {psid[-4:]}"
    return AuthorIdentity(kind=IDENTITY_KIND, external_id=psid, display_name=name, handle=handle)


# --- feed: comments and visitor posts ---------------------------------------------------------------


def post_thread_key(post_id: str) -> str:
    return f"post:{post_id}"


def comment_thread_key(post_id: str, top_comment_id: str) -> str:
    return f"post:{post_id}:comment:{top_comment_id}"


def comment_ids(value: dict[str, Any]) -> tuple[str, str, str]:
    """(comment id, post id, parent id) of a feed comment; a top-level comment's parent is the post."""
    post_id = str(value.get("post_id") or "")
    return str(value["comment_id"]), post_id, str(value.get("parent_id") or post_id)


def comment_inbound(
    value: dict[str, Any], *, page: Page, thread_key: str, source: str, fallback_time: datetime | None = None
) -> InboundMessage:
    """A feed comment (webhook `value`, or a polled comment shaped like one by polled_comment)."""
    comment_id, post_id, parent_id = comment_ids(value)
    from_page = page.wrote(value)
    platform_time, estimated = timed(value.get("created_time"), fallback_time)
    return InboundMessage(
        channel_id=page.channel_id,
        external_id=comment_id,
        thread_key=thread_key,
        author=page.author if from_page else person(value, comment_id),
        text=str(value.get("message") or ""),
        platform_time=platform_time,
        attachments=feed_attachments(value),
        visibility=Visibility.PUBLIC,
        raw=marked({"kind": "comment", "source": source, "post_id": post_id, "parent_id": parent_id, "value": value}, estimated),
        # The Page's own comments are our replies (typed here or in Business Suite), never a customer's.
        direction=Direction.OUT if from_page else Direction.IN,
    )


def post_inbound(
    *, post_id: str, value: dict[str, Any], page: Page, source: str, fallback_time: datetime | None = None
) -> InboundMessage:
    """A visitor's post on the Page."""
    platform_time, estimated = timed(value.get("created_time"), fallback_time)
    return InboundMessage(
        channel_id=page.channel_id,
        external_id=post_id,
        thread_key=post_thread_key(post_id),
        author=person(value, post_id),
        text=str(value.get("message") or ""),
        platform_time=platform_time,
        attachments=feed_attachments(value),
        visibility=Visibility.PUBLIC,
        raw=marked({"kind": "post", "source": source, "value": value}, estimated),
    )


def polled_comment(comment: dict[str, Any], *, post_id: str) -> dict[str, Any]:
    """A comment read from the feed, in the shape of a webhook change value."""
    return {
        "comment_id": comment["id"],
        "post_id": post_id,
        "parent_id": (comment.get("parent") or {}).get("id") or post_id,
        "from": comment.get("from") or {},
        "message": comment.get("message", ""),
        "created_time": comment.get("created_time"),
    }


def feed_attachments(value: dict[str, Any]) -> tuple[Attachment, ...]:
    photo = value.get("photo") or value.get("link")
    if isinstance(photo, str) and photo.startswith("https://"):
        return (Attachment(name=photo.rsplit("/", 1)[-1].split("?", 1)[0] or "attachment", url=photo),)
    return ()


# --- Messenger --------------------------------------------------------------------------------------


def messenger_thread_key(psid: str) -> str:
    return f"messenger:{psid}"


def is_echo(event: dict[str, Any]) -> bool:
    """A message the Page sent (from this app or another), echoed back to us."""
    return bool(event["message"].get("is_echo"))


def messenger_psid(event: dict[str, Any]) -> str:
    """The person's PSID: the recipient of an echo, otherwise the sender."""
    return str(event["recipient"]["id"] if is_echo(event) else event["sender"]["id"])


def messenger_inbound(
    event: dict[str, Any], *, page: Page, first_seen: bool, fallback_time: datetime | None = None
) -> InboundMessage:
    """A Messenger webhook `messaging` event that carries a message."""
    message = event["message"]
    echo = is_echo(event)
    psid = messenger_psid(event)
    attachments = tuple(messenger_attachment(a) for a in message.get("attachments") or [] if isinstance(a, dict))
    raw: dict[str, Any] = {"kind": "messenger", "source": "webhook", "event": event}
    if echo:
        own = bool(page.app_id) and str(message.get("app_id", "")) == page.app_id
        raw["echo"] = "own_app" if own else "other_app"
    platform_time, estimated = timed(event.get("timestamp"), fallback_time)
    return InboundMessage(
        channel_id=page.channel_id,
        external_id=str(message["mid"]),
        thread_key=messenger_thread_key(psid),
        author=page.author if echo else messenger_author(psid, first_seen=first_seen),
        text=str(message.get("text") or ""),
        platform_time=platform_time,
        attachments=attachments,
        visibility=Visibility.PRIVATE,
        raw=marked(raw, estimated),
        direction=Direction.OUT if echo else Direction.IN,
    )


def polled_messenger_inbound(item: dict[str, Any], other: dict[str, Any], *, page: Page, first_seen: bool) -> InboundMessage:
    """A message read from a Page conversation; `other` is the participant who is not the Page."""
    psid = str(other["id"])
    outbound = page.wrote(item)
    attachments = tuple(
        Attachment(
            name=str(a.get("name") or "attachment"),
            content_type=str(a.get("mime_type") or ""),
            size=a.get("size") if isinstance(a.get("size"), int) else None,
            url=str((a.get("image_data") or {}).get("url") or a.get("file_url") or (a.get("video_data") or {}).get("url") or ""),
        )
        for a in (item.get("attachments") or {}).get("data", [])
    )
    return InboundMessage(
        channel_id=page.channel_id,
        external_id=str(item["id"]),
        thread_key=messenger_thread_key(psid),
        author=messenger_author(psid, name=str(other.get("name") or ""), first_seen=first_seen),
        text=str(item.get("message") or ""),
        platform_time=parse_time(item.get("created_time")),
        attachments=attachments,
        visibility=Visibility.PRIVATE,
        raw={"kind": "messenger", "source": "poll", "message": item},
        direction=Direction.OUT if outbound else Direction.IN,
    )


def messenger_attachment(attachment: dict[str, Any]) -> Attachment:
    """An attachment of a Messenger message; a fallback one (a shared link) may carry its payload as
    a string, as null, or its url and title beside the payload."""
    payload = attachment.get("payload")
    if isinstance(payload, str):
        payload = {"url": payload} if payload.startswith(("https://", "http://")) else {"title": payload}
    if not isinstance(payload, dict):
        payload = {}
    url = str(payload.get("url") or attachment.get("url") or "")
    kind = str(attachment.get("type") or "file")
    name = str(attachment.get("title") or payload.get("title") or "")
    if not name:
        name = url.rsplit("/", 1)[-1].split("?", 1)[0] if url else kind
    return Attachment(name=name or kind, content_type=kind, url=url)
