from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.db.models import F, Q
from django.utils import timezone

from inbox import events

SWEEP_WINDOW = timedelta(minutes=15)


def handle_change(conversation_id: int, team_id: int, reason: str) -> None:
    """Everything that follows a write to a conversation, off the request and ingest path."""
    from inbox.actions import AUTO_ASSIGN_REASONS
    from sla.scoring import evaluate_conversation

    evaluate_conversation(conversation_id=conversation_id, now=timezone.now(), push=False)
    events.push_now(conversation_id=conversation_id, team_id=team_id, reason=reason)
    if reason in AUTO_ASSIGN_REASONS:
        from inbox.assignment import assign_waiting

        assign_waiting(team_id=team_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def conversation_changed(conversation_id: int, team_id: int, reason: str) -> None:
    handle_change(conversation_id, team_id, reason)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def drain_changes() -> int:
    from inbox.changes import drain

    return drain()


@shared_task
def sweep_unscored() -> int:
    """Rescore conversations changed recently but not scored since (a lost hand-off, a dead worker)."""
    from inbox.models import Conversation

    since = timezone.now() - SWEEP_WINDOW
    stale = (
        Conversation.objects.filter(updated_at__gte=since)
        .filter(Q(sla_clock__isnull=True) | Q(sla_clock__evaluated_at__lt=F("updated_at")))
        .values_list("pk", "team_id")[:1000]
    )
    count = 0
    for conversation_id, team_id in stale:
        handle_change(conversation_id, team_id, "sweep")
        count += 1
    return count
