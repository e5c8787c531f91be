"""Stored webhook deliveries, processed in the worker until they succeed or are given up visibly.

A delivery answered 200 is a WebhookEvent row first (channels_app.webhooks). Here a worker runs the
kind's handler over it: a failure records the attempt and the error on the row and sets the next
attempt with exponential backoff; the beat sweep (sweep_due) re-enqueues what is due, also rows
whose first task was never published. After PARLEY_WEBHOOK_GIVE_UP_HOURS (49 h: Meta retries for
36 h) a failing event is given up, logged, and counted on /settings/channels/events/ where an admin
can retry it (retry_events). Old processed rows are pruned after PARLEY_WEBHOOK_RETENTION_DAYS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels_app.base import EventReport
from channels_app.models import WebhookEvent, WebhookStatus
from channels_app.registry import KINDS
from inbox.models import Channel

logger = logging.getLogger("parley.webhooks")

OPEN = (WebhookStatus.PENDING, WebhookStatus.FAILED)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=4)
SWEEP_BATCH = 500


def sweep_after() -> timedelta:
    """A pending event this old with no attempt scheduled lost its task (or it was never published)."""
    return timedelta(seconds=settings.PARLEY_WEBHOOK_SWEEP_AFTER_SECONDS)


def give_up_after() -> timedelta:
    return timedelta(hours=settings.PARLEY_WEBHOOK_GIVE_UP_HOURS)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most 4 hours apart: about 19 attempts over the first 48 hours."""
    return min(MAX_RETRY_DELAY, FIRST_RETRY * 2 ** min(max(0, attempts - 1), 16))


def process_event(*, event_id: int, now: datetime | None = None) -> int:
    """Run the handler over one open event; return the messages it created.

    The row is locked while it is processed (skip_locked: a second task for the same event does
    nothing), and a worker that dies mid-way releases the lock with its connection.
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id, status__in=OPEN).first()
        if event is None:
            return 0
        if event.channel_id is not None and Channel.objects.filter(pk=event.channel_id, enabled=False).exists():
            _hold(event)
            return 0
        record = KINDS.get(event.source)
        handler = record.process_event if record is not None else None
        report = EventReport(received_at=event.received_at)
        event.attempts += 1
        if handler is None:
            report.ignored = f"no handler for webhooks of kind {event.source!r}"
        else:
            try:
                with transaction.atomic():
                    handler(event.payload, report)
            except Exception as error:  # noqa: BLE001 - any failure is recorded on the row and retried
                _record_failure(event, error, now)
                return 0
        _record_outcome(event, report, now)
        return report.created


def _hold(event: WebhookEvent) -> None:
    event.status, event.next_attempt_at, event.last_error = WebhookStatus.HELD, None, "held: the channel is disabled"
    event.save(update_fields=["status", "next_attempt_at", "last_error"])
    logger.info("webhook event held", extra=_fields(event))


def _record_failure(event: WebhookEvent, error: Exception, now: datetime) -> None:
    reason = f"{type(error).__name__}: {error}"[:2000]
    event.last_error = reason
    if now - event.received_at >= give_up_after():
        event.status = WebhookStatus.GIVEN_UP
        event.next_attempt_at = None
        logger.error("webhook event given up", extra=_fields(event, reason=reason, attempts=event.attempts))
    else:
        event.status = WebhookStatus.FAILED
        event.next_attempt_at = now + retry_delay(event.attempts)
        logger.warning(
            "webhook event failed, will retry",
            extra=_fields(event, reason=reason, attempts=event.attempts, next_attempt_at=event.next_attempt_at.isoformat()),
        )
    event.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


def _record_outcome(event: WebhookEvent, report: EventReport, now: datetime) -> None:
    event.status = WebhookStatus.IGNORED if report.ignored else WebhookStatus.PROCESSED
    event.last_error = report.ignored
    event.processed_at = now
    event.next_attempt_at = None
    event.skipped = report.skipped
    event.save(update_fields=["status", "attempts", "last_error", "processed_at", "next_attempt_at", "skipped"])
    if report.ignored:
        logger.info("webhook event ignored", extra=_fields(event, reason=report.ignored))
    for skipped in report.skipped:
        logger.warning("webhook event part skipped", extra=_fields(event, reason=skipped["reason"]))


def _fields(event: WebhookEvent, **more: Any) -> dict[str, Any]:
    """What a log line about an event carries: never its payload, which is customer content."""
    return {"event_id": event.pk, "source": event.source, "channel_id": event.channel_id, **more}


# --- the sweep, retention and the admins' retry -------------------------------------------------------


def due_events(now: datetime) -> Q:
    scheduled = Q(status__in=OPEN, next_attempt_at__lte=now)
    orphaned = Q(status=WebhookStatus.PENDING, next_attempt_at__isnull=True, received_at__lte=now - sweep_after())
    return scheduled | orphaned


def sweep_due(*, enqueue: Callable[[int], None], now: datetime | None = None) -> int:
    """Enqueue every event whose attempt is due; the next one is booked first, so a slow queue
    does not get the same event again from the next sweep."""
    now = now or timezone.now()
    ids = list(WebhookEvent.objects.filter(due_events(now)).order_by("received_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    if not ids:
        return 0
    WebhookEvent.objects.filter(pk__in=ids).update(next_attempt_at=now + sweep_after())
    for event_id in ids:
        enqueue(event_id)
    logger.info("webhook sweep", extra={"count": len(ids)})
    return len(ids)


def prune(*, now: datetime | None = None) -> int:
    """Processed and ignored events past the retention period; failed and given-up ones stay for admins."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PARLEY_WEBHOOK_RETENTION_DAYS)
    deleted, _ = WebhookEvent.objects.filter(
        status__in=[WebhookStatus.PROCESSED, WebhookStatus.IGNORED], received_at__lt=cutoff
    ).delete()
    if deleted:
        logger.info("webhook events pruned", extra={"count": deleted, "retention_days": settings.PARLEY_WEBHOOK_RETENTION_DAYS})
    return deleted


def stuck(now: datetime) -> Q:
    """Pending past the sweep age: its task was lost or never published (the sweep will also find it)."""
    return Q(status=WebhookStatus.PENDING, received_at__lte=now - sweep_after())


def needs_a_look(now: datetime) -> Q:
    """What admins see and may retry: stuck, failing, given up, ignored, or processed with unreadable parts."""
    unmapped = Q(status=WebhookStatus.PROCESSED) & ~Q(skipped=[])
    return stuck(now) | Q(status__in=[WebhookStatus.FAILED, WebhookStatus.GIVEN_UP, WebhookStatus.IGNORED]) | unmapped


def retry_events(*, event_ids: Iterable[int], actor: Any, enqueue: Callable[[int], None]) -> int:
    """An admin's Retry: the events run again now (ingest is idempotent: nothing is stored twice)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(WebhookEvent.objects.filter(needs_a_look(now), pk__in=list(event_ids)).values_list("pk", flat=True))
        WebhookEvent.objects.filter(pk__in=ids).update(status=WebhookStatus.PENDING, next_attempt_at=now + sweep_after())
        for event_id in ids:
            transaction.on_commit(lambda event_id=event_id: enqueue(event_id))
    logger.info("webhook events retried", extra={"count": len(ids), "actor": getattr(actor, "username", "")})
    return len(ids)
