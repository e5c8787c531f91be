"""Facebook Pages and Messenger: Page comments and Messenger messages in, replies out.

The connector polls the Page's feed and Messenger conversations, posts replies by the rules in
replies.py, and finds the thread of what comes in (events.py uses it for each webhook entry).
payloads.py maps what Graph sends to InboundMessage, client.py talks to Graph; every write goes
through inbox.actions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import DatabaseError, transaction
from django.utils import timezone

from channels_app.base import ChannelAuthError, PermanentSendError, SendError, SendResult
from channels_app.facebook import payloads, replies
from channels_app.facebook.client import GraphClient
from channels_app.facebook.payloads import IDENTITY_KIND, Page, parse_time
from inbox import actions
from inbox.inbound import AuthorIdentity, InboundMessage
from inbox.models import Channel, Conversation, Identity, Message

logger = logging.getLogger(__name__)

MIN_BACKOFF = timedelta(minutes=5)
MAX_PAGES_PER_POLL = 5

# A polled item with its time: an InboundMessage, or a function that builds one when its turn comes.
Polled = tuple[datetime, InboundMessage | Callable[[], InboundMessage]]


class FacebookConnector:
    kind: ClassVar[str] = "facebook"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.page_id = str(channel.config.get("page_id", ""))
        self.page = Page(
            channel_id=channel.pk,
            page_id=self.page_id,
            page_name=str(channel.config.get("page_name", "")),
            app_id=str(channel.config.get("app_id") or ""),
        )
        self.client = GraphClient(access_token=str(channel.credentials.get("page_access_token", "")))
        # When the webhook delivery being handled arrived (set by events.PageEntry): the time of a
        # message Graph gave none.
        self.received_at: datetime | None = None

    # composer ---------------------------------------------------------------------------------------

    def reply_limits(self, conversation: Conversation) -> dict[str, Any]:
        return replies.reply_limits(conversation, now=timezone.now())

    def check_reply(self, conversation: Conversation, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        replies.check_reply(conversation, text=text, visibility=visibility, now=timezone.now())

    # send -------------------------------------------------------------------------------------------

    def send(self, message: Message) -> SendResult:
        conversation = message.conversation
        plan = replies.plan_reply(
            conversation,
            visibility=message.visibility,
            human=message.author_user_id is not None,
            now=timezone.now(),
            exclude_pk=message.pk,
        )
        if plan.refused:
            raise PermanentSendError(plan.refused)
        if plan.route in ("comment", "messenger"):
            actions.record_send_details(message=message, details={"sent_to": {"route": plan.route, "target": plan.target_id}})
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

    def find_sent(self, message: Message) -> str | None:
        """The comments under the target (a comment reply) or the Messenger conversation, searched for
        this reply's text from the Page. A private reply is not searched: Graph refuses a second
        private reply to the same comment, so a resend cannot post twice."""
        sent_to = (message.raw or {}).get("sent_to") or {}
        target = str(sent_to.get("target") or "")
        if not target:
            return None
        wanted = " ".join(message.text.split())
        if sent_to.get("route") == "comment":
            items = self.client.read_replies(target).get("data") or []
        else:
            conversations = self.client.read_conversation_with(self.page_id, target).get("data") or []
            items = [m for c in conversations for m in (c.get("messages") or {}).get("data") or []]
        for item in items:
            if self.page.wrote(item) and " ".join(str(item.get("message") or "").split()) == wanted:
                return str(item["id"])
        return None

    def _link_messenger_identity(self, *, conversation: Conversation, target_id: str, psid: str) -> None:
        """The commenter and the Messenger PSID the Send API answered with are one customer."""
        commenter = (
            Message.objects.filter(conversation=conversation, external_id=target_id).select_related("author_identity").first()
        )
        identity = commenter.author_identity if commenter else None
        if identity is None:
            return
        try:
            with transaction.atomic():
                messenger = actions.resolve_identity(
                    author=AuthorIdentity(
                        kind=IDENTITY_KIND,
                        external_id=psid,
                        display_name=identity.display_name,
                        handle=identity.handle,
                        same_person_as=((identity.kind, identity.external_id),),
                    )
                )
                if messenger.customer_id != identity.customer_id:
                    actions.link_identities(identity=messenger, same_as=identity)
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
            # Refused outright (a permission the token lacks) is broken now; a hiccup only after a few.
            actions.record_poll_failed(channel=self.channel, reason=str(error), lasting=isinstance(error, PermanentSendError))
        else:
            actions.record_poll_ok(channel=self.channel)
        next_poll_at = None
        if self.client.over_budget:
            delay = max(MIN_BACKOFF, timedelta(minutes=self.client.regain_minutes))
            next_poll_at = timezone.now() + delay
            logger.info(
                "facebook usage high, backing off",
                extra={"channel_id": self.channel.pk, "usage": self.client.usage_percent, "seconds": delay.total_seconds()},
            )
        actions.save_channel_cursor(channel=self.channel, cursor=cursor, next_poll_at=next_poll_at)
        return created

    def _poll_feed(self, cursor: dict[str, Any]) -> int:
        since = parse_time(cursor["feed_since"]) if cursor.get("feed_since") else None
        feed = self.client.read_feed(self.page_id)
        items: list[Polled] = []
        newest = since
        for post in feed.get("data", []):
            post_id = str(post["id"])
            post_time = parse_time(post.get("created_time"))
            author = post.get("from") or {}
            if author.get("id") and str(author["id"]) != self.page_id and (since is None or post_time >= since):
                items.append((post_time, payloads.post_inbound(post_id=post_id, value=post, page=self.page, source="poll")))
                newest = max(filter(None, [newest, post_time]))
            comments = post.get("comments") or {}
            for _ in range(MAX_PAGES_PER_POLL):
                older_seen = False
                for comment in comments.get("data", []):
                    created_time = parse_time(comment.get("created_time"))
                    if since is not None and created_time < since:
                        older_seen = True
                        continue
                    value = payloads.polled_comment(comment, post_id=post_id)
                    items.append((created_time, self._comment_inbound_lazy(value, source="poll")))
                    newest = max(filter(None, [newest, created_time]))
                after = (comments.get("paging") or {}).get("cursors", {}).get("after")
                if older_seen or not (comments.get("paging") or {}).get("next") or not after or self.client.over_budget:
                    break
                comments = self.client.read_comments(post_id, after=after)
        created = self._ingest_in_order(items)
        if newest is not None:
            cursor["feed_since"] = newest.isoformat()
        return created

    def _poll_messenger(self, cursor: dict[str, Any]) -> int:
        since = parse_time(cursor["messenger_since"]) if cursor.get("messenger_since") else None
        newest = since
        items: list[Polled] = []
        page = self.client.read_conversations(self.page_id)
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
                    first_seen = self._first_seen(str(person["id"]), name=str(person.get("name") or ""))
                    inbound = payloads.polled_messenger_inbound(item, person, page=self.page, first_seen=first_seen)
                    items.append((created_time, inbound))
            after = (page.get("paging") or {}).get("cursors", {}).get("after")
            if reached_known or not (page.get("paging") or {}).get("next") or not after or self.client.over_budget:
                break
            page = self.client.read_conversations(self.page_id, after=after)
        created = self._ingest_in_order(items)
        if newest is not None:
            cursor["messenger_since"] = newest.isoformat()
        return created

    def _ingest_in_order(self, items: list[Polled]) -> int:
        created = 0
        # Oldest first: a top-level comment before its replies, a thread before the Page's answer.
        for _, item in sorted(items, key=lambda pair: pair[0]):
            inbound = item() if callable(item) else item
            if inbound is not None:
                created += int(actions.ingest_message(inbound=inbound).created)
        return created

    def _comment_inbound_lazy(self, value: dict[str, Any], *, source: str) -> Callable[[], InboundMessage]:
        # The thread of a reply depends on its parent, which may be ingested earlier in this batch.
        return lambda: self.comment_inbound(value, source=source)

    # what payloads need from the inbox --------------------------------------------------------------

    @staticmethod
    def _first_seen(psid: str, *, name: str = "") -> bool:
        """Whether a nameless Messenger person is new to us (and so gets a placeholder handle)."""
        return not name and not Identity.objects.filter(kind=IDENTITY_KIND, external_id=psid).exists()

    def _comment_thread_key(self, *, post_id: str, comment_id: str, parent_id: str) -> str:
        post_thread = payloads.post_thread_key(post_id)
        if Conversation.objects.filter(channel_id=self.channel.pk, thread_key=post_thread).exists():
            return post_thread  # a comment on a visitor post joins the post's conversation
        if not parent_id or parent_id == post_id:
            return payloads.comment_thread_key(post_id, comment_id)
        parent = (
            Message.objects.filter(channel_id=self.channel.pk, external_id=parent_id)
            .values_list("conversation__thread_key", flat=True)
            .first()
        )
        return parent or payloads.comment_thread_key(post_id, parent_id)

    def comment_inbound(self, value: dict[str, Any], *, source: str) -> InboundMessage:
        comment_id, post_id, parent_id = payloads.comment_ids(value)
        thread_key = self._comment_thread_key(post_id=post_id, comment_id=comment_id, parent_id=parent_id)
        return payloads.comment_inbound(
            value, page=self.page, thread_key=thread_key, source=source, fallback_time=self.received_at
        )

    def messenger_inbound(self, event: dict[str, Any]) -> InboundMessage:
        psid = payloads.messenger_psid(event)
        first_seen = not payloads.is_echo(event) and self._first_seen(psid)
        return payloads.messenger_inbound(event, page=self.page, first_seen=first_seen, fallback_time=self.received_at)
