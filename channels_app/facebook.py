"""Facebook Pages and Messenger: Page comments and Messenger messages in, replies out.

facebook-sdk 3.1.0 is used behind GraphClient: its constructor rejects every current Graph version,
so the client is built without one and `graph.version` is set from settings afterwards; it also
drops HTTP statuses and headers, so a requests.Session response hook keeps the status and the usage
headers (X-Business-Use-Case-Usage, X-App-Usage) that the poller backs off on.

Thread keys: a top-level comment and its replies are `post:{post_id}:comment:{top_comment_id}`, a
visitor post and its comments `post:{post_id}`, a Messenger conversation `messenger:{psid}`.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import facebook  # type: ignore[import-untyped]  # no stubs for 3.1.0
import requests
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from channels_app.base import ChannelAuthError, PermanentSendError, SendError, SendResult, TransientSendError
from inbox import actions
from inbox.inbound import Attachment, AuthorIdentity, InboundMessage
from inbox.models import (
    Channel,
    ChannelKind,
    ChannelStatus,
    Conversation,
    DeliveryState,
    Direction,
    Identity,
    Message,
    Visibility,
)
from inbox.ports import ReplyRefused

logger = logging.getLogger(__name__)

IDENTITY_KIND = "facebook"
MESSENGER_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
MESSENGER_MAX_CHARS = 2000
COMMENT_MAX_CHARS = 8000
BACKOFF_PERCENT = 80.0
MIN_BACKOFF = timedelta(minutes=5)
MAX_PAGES_PER_POLL = 5
SUBSCRIBED_FIELDS = "feed,messages,message_echoes"

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
TRANSIENT_CODES = frozenset({1, 2})  # "unknown error" and "service temporarily unavailable"
AUTH_CODES = frozenset({190})
OUTSIDE_WINDOW = (10, 2018278)
PERSON_UNAVAILABLE = 551

COMMENT_FIELDS = "id,message,from,created_time,parent{id}"
FEED_FIELDS = f"id,message,from,created_time,comments.filter(stream).order(reverse_chronological).limit(50){{{COMMENT_FIELDS}}}"
MESSAGE_FIELDS = "id,message,from,to,created_time,attachments{mime_type,name,size,image_data{url},file_url,video_data{url}}"
CONVERSATION_FIELDS = f"id,updated_time,participants,messages.limit(20){{{MESSAGE_FIELDS}}}"
POST_ITEMS = frozenset({"post", "status", "photo", "video"})


# --- Graph client -----------------------------------------------------------------------------------


class GraphClient:
    """facebook-sdk's GraphAPI with the version from settings, usage headers and our error classes."""

    def __init__(self, *, access_token: str, version: str | None = None, timeout: float = 10.0) -> None:
        self.session = requests.Session()
        self.session.hooks["response"].append(self._on_response)
        # No version here: 3.1.0 validates it against a list that ends at 3.1 (see module docstring).
        self.graph = facebook.GraphAPI(access_token=access_token, timeout=timeout, session=self.session)
        self.graph.version = version or settings.FACEBOOK_GRAPH_VERSION
        self.last_status: int | None = None
        self.usage_percent: float = 0.0
        self.regain_minutes: float = 0.0

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_status = response.status_code
        usage, regain = parse_usage_headers(response.headers)
        if usage is not None:
            self.usage_percent = usage
            self.regain_minutes = regain

    @property
    def over_budget(self) -> bool:
        return self.usage_percent > BACKOFF_PERCENT

    def get_object(self, object_id: str, **args: Any) -> dict[str, Any]:
        return self._call(self.graph.get_object, object_id, write=False, **args)

    def get_connections(self, object_id: str, connection: str, **args: Any) -> dict[str, Any]:
        return self._call(self.graph.get_connections, object_id, connection, write=False, **args)

    def put_comment(self, object_id: str, message: str) -> dict[str, Any]:
        return self._call(self.graph.put_comment, object_id, message, write=True)

    def send_message(
        self,
        *,
        page_id: str,
        recipient: dict[str, str],
        text: str,
        messaging_type: str | None = None,
        tag: str | None = None,
    ) -> dict[str, Any]:
        """The Send API. Graph accepts form fields holding JSON, so put_object does the POST."""
        data: dict[str, str] = {"recipient": json.dumps(recipient), "message": json.dumps({"text": text})}
        if messaging_type:
            data["messaging_type"] = messaging_type
        if tag:
            data["tag"] = tag
        return self._call(self.graph.put_object, page_id, "messages", write=True, **data)

    def subscribe_page(self, page_id: str) -> dict[str, Any]:
        return self._call(self.graph.put_object, page_id, "subscribed_apps", write=True, subscribed_fields=SUBSCRIBED_FIELDS)

    def _call(self, method: Any, *args: Any, write: bool, **kwargs: Any) -> dict[str, Any]:
        self.last_status = None
        try:
            result = method(*args, **kwargs)
        except facebook.GraphAPIError as error:
            raise classify_graph_error(error, status=self.last_status, regain_minutes=self.regain_minutes) from error
        except requests.ReadTimeout as error:
            if write:
                # The request reached Facebook and may have been posted: retrying could post twice.
                raise PermanentSendError(
                    "Facebook did not answer in time; the reply may or may not have been posted. Check the Page before retrying."
                ) from error
            raise TransientSendError("Facebook did not answer in time.") from error
        except (requests.RequestException, KeyError, ValueError) as error:
            # Connection failures, and bodies facebook-sdk cannot read (no content type, broken JSON).
            raise TransientSendError(f"Facebook could not be reached: {type(error).__name__}") from error
        return result if isinstance(result, dict) else {"data": result}


def parse_usage_headers(headers: Any) -> tuple[float | None, float]:
    """The highest usage percentage in the Graph usage headers, and minutes until access is back."""
    usage: float | None = None
    regain = 0.0
    for name in ("X-Business-Use-Case-Usage", "X-App-Usage", "X-Page-Usage"):
        value = headers.get(name)
        if not value:
            continue
        try:
            parsed = json.loads(value)
        except ValueError:
            continue
        buckets: list[dict[str, Any]] = []
        if name == "X-Business-Use-Case-Usage" and isinstance(parsed, dict):
            for items in parsed.values():
                buckets.extend(item for item in items if isinstance(item, dict))
        elif isinstance(parsed, dict):
            buckets.append(parsed)
        for bucket in buckets:
            for key in ("call_count", "total_cputime", "total_time"):
                if isinstance(bucket.get(key), int | float):
                    usage = max(usage or 0.0, float(bucket[key]))
            if isinstance(bucket.get("estimated_time_to_regain_access"), int | float):
                regain = max(regain, float(bucket["estimated_time_to_regain_access"]))
    return usage, regain


def classify_graph_error(error: facebook.GraphAPIError, *, status: int | None, regain_minutes: float) -> SendError:
    """Sort a Graph error into the send error classes, keeping Facebook's reason for the agent."""
    body = error.result if isinstance(error.result, dict) else {}
    details = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = details.get("code")
    subcode = details.get("error_subcode")
    message = str(details.get("error_user_msg") or details.get("message") or error.message or "unknown error")
    reason = f"Facebook error {code}" + (f"/{subcode}" if subcode else "") + f": {message}"
    if not details:
        # Not a Graph error body at all (an HTML 502 page, an empty body): Facebook is having trouble.
        return TransientSendError(f"Facebook answered with an unreadable response (HTTP {status or '?'}).")
    if code in AUTH_CODES:
        return ChannelAuthError(f"The Page access token was refused ({reason}). Reconnect the channel.")
    if (code, subcode) == OUTSIDE_WINDOW:
        return PermanentSendError(f"Outside the allowed messaging window ({reason}).")
    if code == PERSON_UNAVAILABLE:
        return PermanentSendError(f"This person isn't available on Messenger right now ({reason}).")
    if code in RATE_LIMIT_CODES:
        retry_after = regain_minutes * 60 if regain_minutes > 0 else None
        return TransientSendError(f"Facebook rate limit reached ({reason}).", retry_after=retry_after)
    if code in TRANSIENT_CODES or details.get("is_transient") or (status is not None and status >= 500):
        return TransientSendError(f"Facebook is temporarily unavailable ({reason}).")
    # Permissions and policy refusals (10, 200, 230, 368, ...) and anything else Facebook rejects.
    return PermanentSendError(f"Facebook refused the request ({reason}).")


# --- time helpers -----------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime:
    """Graph times: Unix seconds (feed webhooks), milliseconds (Messenger) or ISO strings (reads)."""
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


def _in_words(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds >= 3600:
        return f"{math.floor(seconds / 3600)} h"
    return f"{max(1, math.ceil(seconds / 60))} min"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- reply rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyPlan:
    """How a reply goes out on Facebook, or why it cannot."""

    route: str = ""  # "comment", "private_reply", "messenger"
    target_id: str = ""  # comment or post id being answered; the PSID for Messenger
    target_kind: str = ""  # "comment" or "post" for a private reply
    messaging_type: str = ""
    tag: str = ""
    note: str = ""
    refused: str = ""


def _latest_customer_item(conversation: Conversation) -> Message | None:
    """The customer's latest comment (or visitor post) that is still there to answer."""
    candidates = (
        Message.objects.filter(conversation=conversation, direction=Direction.IN, external_id__isnull=False)
        .select_related("author_identity")
        .order_by("-platform_time", "-id")
    )
    for message in candidates[:50]:
        if not (message.raw or {}).get("removed"):
            return message
    return None


def _private_reply_taken(conversation: Conversation, target_id: str, *, exclude_pk: int | None = None) -> bool:
    taken = Message.objects.filter(
        conversation=conversation,
        direction=Direction.OUT,
        raw__private_reply_to=target_id,
        delivery_state__in=[DeliveryState.SENDING, DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ],
    )
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


def plan_reply(
    conversation: Conversation, *, visibility: str, human: bool, now: datetime, exclude_pk: int | None = None
) -> ReplyPlan:
    """The one place that applies Facebook's reply windows, for the composer and for delivery."""
    if conversation.thread_key.startswith("messenger:"):
        return _plan_messenger(conversation, visibility=visibility, human=human, now=now)
    target = _latest_customer_item(conversation)
    if target is None or not target.external_id:
        return ReplyPlan(refused="There is no comment left to reply to: the customer's comments were removed.")
    kind = (target.raw or {}).get("kind", "comment")
    if visibility == Visibility.PUBLIC:
        name = target.author_identity.display_name if target.author_identity else ""
        return ReplyPlan(
            route="comment",
            target_id=target.external_id,
            target_kind=kind,
            note=f"Public reply under {name or 'the customer'}'s latest {kind}.",
        )
    closes = target.platform_time + PRIVATE_REPLY_WINDOW
    if now > closes:
        return ReplyPlan(refused=f"A private reply to a {kind} is possible for 7 days; that window closed on {_when(closes)}.")
    if _private_reply_taken(conversation, target.external_id, exclude_pk=exclude_pk):
        return ReplyPlan(
            refused=f"This {kind} already has its private reply (Facebook allows one); the conversation continues "
            "in Messenger once the person answers."
        )
    return ReplyPlan(
        route="private_reply",
        target_id=target.external_id,
        target_kind=kind,
        note=f"Private reply: one Messenger message to this person, possible until {_when(closes)}.",
    )


def _plan_messenger(conversation: Conversation, *, visibility: str, human: bool, now: datetime) -> ReplyPlan:
    psid = conversation.thread_key.split(":", 1)[1]
    if visibility != Visibility.PRIVATE:
        return ReplyPlan(refused="Messenger conversations are private: send the reply as private.")
    last = conversation.last_inbound_at
    if last is None:
        return ReplyPlan(refused="Messenger replies are possible only after the person has written to the Page.")
    standard_closes = last + MESSENGER_WINDOW
    if now <= standard_closes:
        return ReplyPlan(
            route="messenger",
            target_id=psid,
            messaging_type="RESPONSE",
            note=f"Messenger window: 24-hour window closes in {_in_words(standard_closes - now)}.",
        )
    human_closes = last + HUMAN_AGENT_WINDOW
    enabled = bool(conversation.channel.config.get("human_agent_enabled"))
    if not enabled:
        return ReplyPlan(
            refused=f"The 24-hour Messenger window closed on {_when(standard_closes)} and this Page has no Human "
            "Agent permission: no reply can be sent until the person writes again."
        )
    if now > human_closes:
        return ReplyPlan(
            refused=f"The 7-day human agent window closed on {_when(human_closes)}: no reply can be sent until the "
            "person writes again."
        )
    if not human:
        return ReplyPlan(refused="Outside 24 h only a reply typed by a person may be sent (HUMAN_AGENT tag).")
    return ReplyPlan(
        route="messenger",
        target_id=psid,
        messaging_type="MESSAGE_TAG",
        tag="HUMAN_AGENT",
        note=f"Outside 24 h: sent with the HUMAN_AGENT tag (human agent window closes in {_in_words(human_closes - now)}).",
    )


# --- the connector ----------------------------------------------------------------------------------


class FacebookConnector:
    kind: ClassVar[str] = "facebook"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.page_id = str(channel.config.get("page_id", ""))
        self.client = GraphClient(access_token=str(channel.credentials.get("page_access_token", "")))

    # composer ---------------------------------------------------------------------------------------

    def reply_limits(self, conversation: Conversation) -> dict[str, Any]:
        messenger = conversation.thread_key.startswith("messenger:")
        visibility = Visibility.PRIVATE if messenger else Visibility.PUBLIC
        plan = plan_reply(conversation, visibility=visibility, human=True, now=timezone.now())
        notes = [plan.refused or plan.note]
        if not messenger:
            private = plan_reply(conversation, visibility=Visibility.PRIVATE, human=True, now=timezone.now())
            notes.append(private.refused or private.note)
        return {
            "max_chars": MESSENGER_MAX_CHARS if messenger else COMMENT_MAX_CHARS,
            "note": " ".join(n for n in notes if n),
        }

    def check_reply(self, conversation: Conversation, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        plan = plan_reply(conversation, visibility=visibility, human=True, now=timezone.now())
        if plan.refused:
            raise ReplyRefused(plan.refused)
        limit = COMMENT_MAX_CHARS if plan.route == "comment" else MESSENGER_MAX_CHARS
        if len(text) > limit:
            raise ReplyRefused(
                f"A Facebook {plan.route.replace('_', ' ')} has at most {limit} characters; this one has {len(text)}."
            )

    # send -------------------------------------------------------------------------------------------

    def send(self, message: Message) -> SendResult:
        conversation = message.conversation
        plan = plan_reply(
            conversation,
            visibility=message.visibility,
            human=message.author_user_id is not None,
            now=timezone.now(),
            exclude_pk=message.pk,
        )
        if plan.refused:
            raise PermanentSendError(plan.refused)
        if plan.route == "comment":
            result = self.client.put_comment(plan.target_id, message.text)
            return SendResult(external_id=str(result["id"]))
        if plan.route == "messenger":
            result = self.client.send_message(
                page_id=self.page_id,
                recipient={"id": plan.target_id},
                text=message.text,
                messaging_type=plan.messaging_type,
                tag=plan.tag or None,
            )
            actions.record_send_details(message=message, details={"messaging_type": plan.messaging_type, "tag": plan.tag})
            return SendResult(external_id=str(result["message_id"]))
        # A private reply: claim the comment on the row first, so a second one is refused.
        actions.record_send_details(message=message, details={"private_reply_to": plan.target_id})
        recipient_key = "post_id" if plan.target_kind == "post" else "comment_id"
        result = self.client.send_message(page_id=self.page_id, recipient={recipient_key: plan.target_id}, text=message.text)
        psid = str(result.get("recipient_id", ""))
        actions.record_send_details(message=message, details={"private_reply_to": plan.target_id, "recipient_id": psid})
        if psid:
            self._link_messenger_identity(conversation=conversation, target_id=plan.target_id, psid=psid)
        return SendResult(external_id=str(result["message_id"]))

    def _link_messenger_identity(self, *, conversation: Conversation, target_id: str, psid: str) -> None:
        """The commenter and the Messenger PSID the Send API answered with are one customer."""
        from inbox.actions import link_identities, resolve_identity

        commenter = (
            Message.objects.filter(conversation=conversation, external_id=target_id).select_related("author_identity").first()
        )
        identity = commenter.author_identity if commenter else None
        if identity is None:
            return
        try:
            with transaction.atomic():
                messenger = resolve_identity(
                    author=AuthorIdentity(
                        kind=IDENTITY_KIND,
                        external_id=psid,
                        display_name=identity.display_name,
                        handle=identity.handle,
                        same_person_as=((identity.kind, identity.external_id),),
                    )
                )
                if messenger.customer_id != identity.customer_id:
                    link_identities(identity=messenger, same_as=identity)
        except DatabaseError:
            # The reply is posted; failing now would only invite a second post. Agents can merge later.
            logger.warning(
                "messenger identity not linked", extra={"channel_id": self.channel.pk, "conversation_id": conversation.pk}
            )

    # poll -------------------------------------------------------------------------------------------

    def poll(self) -> int:
        """Catch up on comments and Messenger conversations; webhooks and polls dedupe in ingest."""
        cursor = dict(self.channel.cursor or {})
        created = 0
        try:
            created += self._poll_feed(cursor)
            if not self.client.over_budget:
                created += self._poll_messenger(cursor)
        except ChannelAuthError:
            raise
        except SendError as error:
            logger.warning("facebook poll failed", extra={"channel_id": self.channel.pk, "reason": str(error)})
        updates: dict[str, Any] = {"cursor": cursor}
        if self.client.over_budget:
            delay = max(MIN_BACKOFF, timedelta(minutes=self.client.regain_minutes))
            updates["next_poll_at"] = timezone.now() + delay
            logger.info(
                "facebook usage high, backing off",
                extra={"channel_id": self.channel.pk, "usage": self.client.usage_percent, "seconds": delay.total_seconds()},
            )
        Channel.objects.filter(pk=self.channel.pk).update(**updates)
        self.channel.cursor = cursor
        return created

    def _poll_feed(self, cursor: dict[str, Any]) -> int:
        since = parse_time(cursor["feed_since"]) if cursor.get("feed_since") else None
        feed = self.client.get_connections(self.page_id, "feed", fields=FEED_FIELDS, limit=25)
        items: list[tuple[datetime, Any]] = []
        newest = since
        for post in feed.get("data", []):
            post_id = str(post["id"])
            post_time = parse_time(post.get("created_time"))
            author = post.get("from") or {}
            if author.get("id") and str(author["id"]) != self.page_id and (since is None or post_time >= since):
                items.append((post_time, self._post_inbound(post_id=post_id, value=post, source="poll")))
                newest = max(filter(None, [newest, post_time]))
            comments = post.get("comments") or {}
            for _ in range(MAX_PAGES_PER_POLL):
                older_seen = False
                for comment in comments.get("data", []):
                    created_time = parse_time(comment.get("created_time"))
                    if since is not None and created_time < since:
                        older_seen = True
                        continue
                    parent = (comment.get("parent") or {}).get("id") or post_id
                    value = {
                        "comment_id": comment["id"],
                        "post_id": post_id,
                        "parent_id": parent,
                        "from": comment.get("from") or {},
                        "message": comment.get("message", ""),
                        "created_time": comment.get("created_time"),
                    }
                    items.append((created_time, self._comment_inbound_lazy(value, source="poll")))
                    newest = max(filter(None, [newest, created_time]))
                after = (comments.get("paging") or {}).get("cursors", {}).get("after")
                if older_seen or not (comments.get("paging") or {}).get("next") or not after or self.client.over_budget:
                    break
                comments = self.client.get_connections(
                    post_id,
                    "comments",
                    fields=COMMENT_FIELDS,
                    filter="stream",
                    order="reverse_chronological",
                    limit=50,
                    after=after,
                )
        created = self._ingest_in_order(items)
        if newest is not None:
            cursor["feed_since"] = newest.isoformat()
        return created

    def _poll_messenger(self, cursor: dict[str, Any]) -> int:
        since = parse_time(cursor["messenger_since"]) if cursor.get("messenger_since") else None
        newest = since
        items: list[tuple[datetime, Any]] = []
        page = self.client.get_connections(
            self.page_id, "conversations", platform="messenger", fields=CONVERSATION_FIELDS, limit=25
        )
        for _ in range(MAX_PAGES_PER_POLL):
            reached_known = False
            for conversation in page.get("data", []):
                updated = parse_time(conversation.get("updated_time"))
                if since is not None and updated <= since:
                    reached_known = True  # newest first: everything after this was seen already
                    break
                newest = max(filter(None, [newest, updated]))
                participants = (conversation.get("participants") or {}).get("data", [])
                person = next((p for p in participants if str(p.get("id")) != self.page_id), None)
                if person is None:
                    continue
                for item in (conversation.get("messages") or {}).get("data", []):
                    created_time = parse_time(item.get("created_time"))
                    if since is not None and created_time < since:
                        continue
                    items.append((created_time, self._polled_messenger_inbound(item, person)))
            after = (page.get("paging") or {}).get("cursors", {}).get("after")
            if reached_known or not (page.get("paging") or {}).get("next") or not after or self.client.over_budget:
                break
            page = self.client.get_connections(
                self.page_id, "conversations", platform="messenger", fields=CONVERSATION_FIELDS, limit=25, after=after
            )
        created = self._ingest_in_order(items)
        if newest is not None:
            cursor["messenger_since"] = newest.isoformat()
        return created

    def _ingest_in_order(self, items: list[tuple[datetime, Any]]) -> int:
        from inbox.actions import ingest_message

        created = 0
        # Oldest first: a top-level comment before its replies, a thread before the Page's answer.
        for _, item in sorted(items, key=lambda pair: pair[0]):
            inbound = item() if callable(item) else item
            if inbound is not None:
                created += int(ingest_message(inbound=inbound).created)
        return created

    def _comment_inbound_lazy(self, value: dict[str, Any], *, source: str) -> Any:
        # The thread of a reply depends on its parent, which may be ingested earlier in this batch.
        return lambda: self._comment_inbound(value, source=source)

    def _polled_messenger_inbound(self, item: dict[str, Any], person: dict[str, Any]) -> InboundMessage:
        psid = str(person["id"])
        sender = item.get("from") or {}
        outbound = str(sender.get("id", "")) == self.page_id
        attachments = tuple(
            Attachment(
                name=str(a.get("name") or "attachment"),
                content_type=str(a.get("mime_type") or ""),
                size=a.get("size") if isinstance(a.get("size"), int) else None,
                url=str(
                    (a.get("image_data") or {}).get("url") or a.get("file_url") or (a.get("video_data") or {}).get("url") or ""
                ),
            )
            for a in (item.get("attachments") or {}).get("data", [])
        )
        return InboundMessage(
            channel_id=self.channel.pk,
            external_id=str(item["id"]),
            thread_key=f"messenger:{psid}",
            author=self._messenger_author(psid, name=str(person.get("name") or "")),
            text=str(item.get("message") or ""),
            platform_time=parse_time(item.get("created_time")),
            attachments=attachments,
            visibility=Visibility.PRIVATE,
            raw={"kind": "messenger", "source": "poll", "message": item},
            direction=Direction.OUT if outbound else Direction.IN,
        )

    # payload mapping (shared by webhooks and polling) -----------------------------------------------

    def _page_author(self) -> AuthorIdentity:
        return AuthorIdentity(
            kind=IDENTITY_KIND, external_id=self.page_id, display_name=str(self.channel.config.get("page_name", ""))
        )

    @staticmethod
    def _person(value: dict[str, Any], fallback_id: str) -> AuthorIdentity:
        person = value.get("from") or {}
        if not person.get("id"):
            # Graph hides the author from some tokens: one identity per comment, never a shared one.
            return AuthorIdentity(kind=IDENTITY_KIND, external_id=f"anonymous:{fallback_id}", display_name="Facebook user")
        name = str(person.get("name") or "")
        return AuthorIdentity(kind=IDENTITY_KIND, external_id=str(person["id"]), display_name=name, handle=name)

    @staticmethod
    def _messenger_author(psid: str, *, name: str = "") -> AuthorIdentity:
        handle = name
        if not name and not Identity.objects.filter(kind=IDENTITY_KIND, external_id=psid).exists():
            # Messenger webhooks carry no name; a placeholder only for a person seen for the first time,
            # so it never overwrites the name a linked comment identity brought.
            handle = f"Messenger user {psid[-4:]}"
        return AuthorIdentity(kind=IDENTITY_KIND, external_id=psid, display_name=name, handle=handle)

    def _comment_thread_key(self, *, post_id: str, comment_id: str, parent_id: str) -> str:
        if Conversation.objects.filter(channel_id=self.channel.pk, thread_key=f"post:{post_id}").exists():
            return f"post:{post_id}"  # a comment on a visitor post joins the post's conversation
        if not parent_id or parent_id == post_id:
            return f"post:{post_id}:comment:{comment_id}"
        parent = (
            Message.objects.filter(channel_id=self.channel.pk, external_id=parent_id)
            .values_list("conversation__thread_key", flat=True)
            .first()
        )
        return parent or f"post:{post_id}:comment:{parent_id}"

    def _comment_inbound(self, value: dict[str, Any], *, source: str) -> InboundMessage:
        comment_id = str(value["comment_id"])
        post_id = str(value.get("post_id") or "")
        parent_id = str(value.get("parent_id") or post_id)
        from_page = str((value.get("from") or {}).get("id", "")) == self.page_id
        return InboundMessage(
            channel_id=self.channel.pk,
            external_id=comment_id,
            thread_key=self._comment_thread_key(post_id=post_id, comment_id=comment_id, parent_id=parent_id),
            author=self._page_author() if from_page else self._person(value, comment_id),
            text=str(value.get("message") or ""),
            platform_time=parse_time(value.get("created_time")),
            attachments=_feed_attachments(value),
            visibility=Visibility.PUBLIC,
            raw={"kind": "comment", "source": source, "post_id": post_id, "parent_id": parent_id, "value": value},
            # The Page's own comments are our replies (typed here or in Business Suite), never a customer's.
            direction=Direction.OUT if from_page else Direction.IN,
        )

    def _post_inbound(self, *, post_id: str, value: dict[str, Any], source: str) -> InboundMessage:
        return InboundMessage(
            channel_id=self.channel.pk,
            external_id=post_id,
            thread_key=f"post:{post_id}",
            author=self._person(value, post_id),
            text=str(value.get("message") or ""),
            platform_time=parse_time(value.get("created_time")),
            attachments=_feed_attachments(value),
            visibility=Visibility.PUBLIC,
            raw={"kind": "post", "source": source, "value": value},
        )

    def _messenger_inbound(self, event: dict[str, Any]) -> InboundMessage:
        message = event["message"]
        echo = bool(message.get("is_echo"))
        psid = str(event["recipient"]["id"] if echo else event["sender"]["id"])
        attachments = tuple(_messenger_attachment(a) for a in message.get("attachments") or [] if isinstance(a, dict))
        raw: dict[str, Any] = {"kind": "messenger", "source": "webhook", "event": event}
        if echo:
            our_app_id = str(self.channel.config.get("app_id") or "")
            own = bool(our_app_id) and str(message.get("app_id", "")) == our_app_id
            raw["echo"] = "own_app" if own else "other_app"
        return InboundMessage(
            channel_id=self.channel.pk,
            external_id=str(message["mid"]),
            thread_key=f"messenger:{psid}",
            author=self._page_author() if echo else self._messenger_author(psid),
            text=str(message.get("text") or ""),
            platform_time=parse_time(event.get("timestamp")),
            attachments=attachments,
            visibility=Visibility.PRIVATE,
            raw=raw,
            direction=Direction.OUT if echo else Direction.IN,
        )

    # webhook events ---------------------------------------------------------------------------------

    def handle_entry(self, entry: dict[str, Any]) -> int:
        created = 0
        for change in entry.get("changes") or []:
            created += self._guarded(self._handle_change, change)
        for event in entry.get("messaging") or []:
            created += self._guarded(self._handle_messaging, event)
        for name in entry:
            if name not in {"id", "time", "changes", "messaging"}:
                logger.info("facebook entry field ignored", extra={"channel_id": self.channel.pk, "field": name})
        return created

    def _guarded(self, handler: Any, event: Any) -> int:
        """One unreadable event is logged and skipped; the rest of the delivery still lands."""
        try:
            return int(handler(event))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            logger.warning(
                "facebook event skipped", extra={"channel_id": self.channel.pk, "error": f"{type(error).__name__}: {error}"}
            )
            return 0

    def _handle_change(self, change: dict[str, Any]) -> int:
        from inbox.actions import ingest_message

        value = change.get("value") or {}
        item, verb = value.get("item"), value.get("verb")
        if change.get("field") != "feed" or item not in POST_ITEMS | {"comment"}:
            logger.info(
                "facebook change ignored",
                extra={"channel_id": self.channel.pk, "field": change.get("field"), "item": item, "verb": verb},
            )
            return 0
        if item == "comment":
            external_id = str(value.get("comment_id") or "")
        else:
            external_id = str(value.get("post_id") or "")
        if not external_id:
            logger.info("facebook change without id ignored", extra={"channel_id": self.channel.pk, "item": item})
            return 0
        if verb == "add":
            if item == "comment":
                return int(ingest_message(inbound=self._comment_inbound(value, source="webhook")).created)
            if str((value.get("from") or {}).get("id", "")) == self.page_id:
                return 0  # the Page's own post: comments on it become conversations, the post does not
            return int(ingest_message(inbound=self._post_inbound(post_id=external_id, value=value, source="webhook")).created)
        if verb == "edited":
            return self._edit(external_id, value)
        if verb in {"remove", "hide", "unhide"}:
            self._mark(external_id, verb=verb)
            return 0
        logger.info("facebook verb ignored", extra={"channel_id": self.channel.pk, "item": item, "verb": verb})
        return 0

    def _edit(self, external_id: str, value: dict[str, Any]) -> int:
        from inbox.actions import ingest_message

        edited = actions.record_message_edited(
            channel_id=self.channel.pk,
            external_id=external_id,
            text=str(value.get("message") or ""),
            edited_at=parse_time(value.get("created_time")).isoformat(),
        )
        if edited:
            return 0
        # The add never reached us: the edited text is the first we hear of it.
        if value.get("item") == "comment":
            inbound = self._comment_inbound(value, source="webhook")
        else:
            inbound = self._post_inbound(post_id=external_id, value=value, source="webhook")
        return int(ingest_message(inbound=inbound).created)

    def _mark(self, external_id: str, *, verb: str) -> None:
        actions.record_message_visibility(channel_id=self.channel.pk, external_id=external_id, verb=verb)

    def _handle_messaging(self, event: dict[str, Any]) -> int:
        from inbox.actions import ingest_message

        if isinstance(event.get("message"), dict) and event["message"].get("mid"):
            if event["message"].get("is_deleted"):
                self._mark(str(event["message"]["mid"]), verb="remove")
                return 0
            return int(ingest_message(inbound=self._messenger_inbound(event)).created)
        if isinstance(event.get("delivery"), dict):
            mids = [str(m) for m in event["delivery"].get("mids") or []]
            if not mids and event["delivery"].get("watermark"):
                mids = self._sent_until(str(event["sender"]["id"]), event["delivery"]["watermark"])
            actions.record_delivery_receipts(channel_id=self.channel.pk, external_ids=mids, state=DeliveryState.DELIVERED)
            return 0
        if isinstance(event.get("read"), dict):
            mids = self._sent_until(str(event["sender"]["id"]), event["read"].get("watermark"))
            actions.record_delivery_receipts(channel_id=self.channel.pk, external_ids=mids, state=DeliveryState.READ)
            return 0
        kinds = sorted(k for k in event if k not in {"sender", "recipient", "timestamp"})
        logger.info("facebook messaging event ignored", extra={"channel_id": self.channel.pk, "kinds": kinds})
        return 0

    def _sent_until(self, psid: str, watermark: Any) -> list[str]:
        """Our sent Messenger messages to this person up to a delivery or read watermark."""
        until = parse_time(watermark)
        return [
            str(mid)
            for mid in Message.objects.filter(
                channel_id=self.channel.pk,
                conversation__thread_key=f"messenger:{psid}",
                direction=Direction.OUT,
                external_id__isnull=False,
                platform_time__lte=until,
            ).values_list("external_id", flat=True)
        ]


def _feed_attachments(value: dict[str, Any]) -> tuple[Attachment, ...]:
    photo = value.get("photo") or value.get("link")
    if isinstance(photo, str) and photo.startswith("https://"):
        return (Attachment(name=photo.rsplit("/", 1)[-1].split("?", 1)[0] or "attachment", url=photo),)
    return ()


def _messenger_attachment(attachment: dict[str, Any]) -> Attachment:
    payload = attachment.get("payload") or {}
    url = str(payload.get("url") or "")
    kind = str(attachment.get("type") or "file")
    name = str(attachment.get("title") or payload.get("title") or "")
    if not name:
        name = url.rsplit("/", 1)[-1].split("?", 1)[0] if url else kind
    return Attachment(name=name or kind, content_type=kind, url=url)


def channel_for_page(page_id: str) -> Channel | None:
    return (
        Channel.objects.filter(kind=ChannelKind.FACEBOOK, config__page_id=str(page_id))
        .exclude(status=ChannelStatus.DISABLED)
        .order_by("pk")
        .first()
    )


def handle_webhook_payload(payload: dict[str, Any]) -> int:
    """Route each entry of a verified webhook body to its channel by Page id; return messages created."""
    if payload.get("object") != "page":
        logger.info("facebook webhook object ignored", extra={"object": payload.get("object")})
        return 0
    created = 0
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        page_id = str(entry.get("id", ""))
        channel = channel_for_page(page_id)
        if channel is None:
            logger.info("facebook webhook for unknown page", extra={"page_id": page_id})
            continue
        created += FacebookConnector(channel).handle_entry(entry)
    return created
