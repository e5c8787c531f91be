"""A verified Facebook webhook body, in the worker: each entry routed to its Page's channel.

Feed changes (a comment or visitor post added, edited, removed or hidden) and Messenger events (a
message, a deletion, delivery and read receipts) become inbox actions. The request itself was
checked in channels_app.facebook.webhook and stored by channels_app.webhooks; what Graph sends is
mapped to InboundMessage by payloads.py, with the thread the connector finds for it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from channels_app.base import EventReport
from channels_app.facebook import payloads
from channels_app.facebook.connector import FacebookConnector
from channels_app.facebook.payloads import POST_ITEMS, parse_time
from inbox import actions
from inbox.inbound import InboundMessage
from inbox.models import Channel, ChannelKind, ChannelStatus, DeliveryState, Direction, Message

logger = logging.getLogger(__name__)


def channel_for_page(page_id: str) -> Channel | None:
    return (
        Channel.objects.filter(kind=ChannelKind.FACEBOOK, config__page_id=str(page_id))
        .exclude(status=ChannelStatus.DISABLED)
        .order_by("pk")
        .first()
    )


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def route_payload(payload: dict[str, Any]) -> Channel | None:
    """The channel of the delivery's first entry whose Page we have."""
    for entry in _listed(payload.get("entry")):
        if isinstance(entry, dict):
            channel = channel_for_page(str(entry.get("id", "")))
            if channel is not None:
                return channel
    return None


def handle_webhook_payload(payload: dict[str, Any], report: EventReport | None = None) -> int:
    """Route each entry of a verified webhook body to its channel by Page id; return messages created."""
    report = report if report is not None else EventReport(received_at=timezone.now())
    before = report.created
    if payload.get("object") != "page":
        report.ignored = f"not a Page webhook (object {payload.get('object')!r})"
        return 0
    unknown = []
    handled = 0
    for entry in _listed(payload.get("entry")):
        if not isinstance(entry, dict):
            report.skip("an entry that is not an object", entry)
            continue
        page_id = str(entry.get("id", ""))
        channel = channel_for_page(page_id)
        if channel is None:
            unknown.append(page_id)
            continue
        handled += 1
        PageEntry(FacebookConnector(channel)).handle(entry, report)
    if unknown and not handled:
        report.ignored = f"no active Facebook channel for page {', '.join(unknown)}"
    elif unknown:
        logger.info("facebook webhook for unknown page", extra={"page_ids": unknown})
    return report.created - before


class PageEntry:
    """One webhook entry of one Page, handled with that Page's connector (its threads and identities)."""

    def __init__(self, connector: FacebookConnector) -> None:
        self.connector = connector
        self.channel = connector.channel
        self.page = connector.page

    def handle(self, entry: dict[str, Any], report: EventReport) -> None:
        """Each change and messaging event guarded on its own: one unreadable event is kept in the
        report with its reason, and the rest of the delivery still lands."""
        # A message Graph gives no time of is given the time the delivery arrived.
        self.connector.received_at = report.received_at
        for change in _listed(entry.get("changes")):
            report.guarded("feed change", self._handle_change, change)
        for event in _listed(entry.get("messaging")):
            report.guarded("messaging event", self._handle_messaging, event)
        for name in entry:
            if name not in {"id", "time", "changes", "messaging"}:
                logger.info("facebook entry field ignored", extra={"channel_id": self.channel.pk, "field": name})

    def _handle_change(self, change: dict[str, Any]) -> int:
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
                return self._ingest(self.connector.comment_inbound(value, source="webhook"))
            if self.page.wrote(value):
                return 0  # the Page's own post: comments on it become conversations, the post does not
            return self._ingest(self._post_inbound(external_id, value))
        if verb == "edited":
            return self._edit(external_id, value)
        if verb in {"remove", "hide", "unhide"}:
            self._mark(external_id, verb=verb)
            return 0
        logger.info("facebook verb ignored", extra={"channel_id": self.channel.pk, "item": item, "verb": verb})
        return 0

    def _post_inbound(self, post_id: str, value: dict[str, Any]) -> InboundMessage:
        return payloads.post_inbound(
            post_id=post_id, value=value, page=self.page, source="webhook", fallback_time=self.connector.received_at
        )

    @staticmethod
    def _ingest(inbound: InboundMessage) -> int:
        return int(actions.ingest_message(inbound=inbound).created)

    def _edit(self, external_id: str, value: dict[str, Any]) -> int:
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
            inbound = self.connector.comment_inbound(value, source="webhook")
        elif self.page.wrote(value):
            return 0
        else:
            inbound = self._post_inbound(external_id, value)
        return self._ingest(inbound)

    def _mark(self, external_id: str, *, verb: str) -> None:
        actions.record_message_visibility(channel_id=self.channel.pk, external_id=external_id, verb=verb)

    def _handle_messaging(self, event: dict[str, Any]) -> int:
        if isinstance(event.get("message"), dict) and event["message"].get("mid"):
            if event["message"].get("is_deleted"):
                self._mark(str(event["message"]["mid"]), verb="remove")
                return 0
            return self._ingest(self.connector.messenger_inbound(event))
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
                conversation__thread_key=payloads.messenger_thread_key(psid),
                direction=Direction.OUT,
                external_id__isnull=False,
                platform_time__lte=until,
            ).values_list("external_id", flat=True)
        ]
