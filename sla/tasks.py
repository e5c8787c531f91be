"""Celery entry points of the SLA engine: thin wrappers, the work is in sla.scoring."""

from datetime import timedelta

from celery import shared_task
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from inbox import followups
from inbox.models import Conversation
from sla import rescoring, scoring
from sla.models import BusinessCalendar, RescoreRun

# Each beat tick (every second) watches for most of a second, so flags land within milliseconds.
DETECT_BUDGET_SECONDS = 0.9
SWEEP_WINDOW = timedelta(minutes=15)


@shared_task(ignore_result=True, expires=5)
def detect_due_flags() -> int:
    return scoring.detect_due(budget_seconds=DETECT_BUDGET_SECONDS)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def rescore_open_conversations() -> int:
    return rescoring.rescore()


@shared_task
def sweep_unscored() -> int:
    """Rescore conversations changed recently but not scored since (a lost hand-off, a dead worker)."""
    since = timezone.now() - SWEEP_WINDOW
    stale = (
        Conversation.objects.filter(updated_at__gte=since)
        .filter(Q(sla_clock__isnull=True) | Q(sla_clock__evaluated_at__lt=F("updated_at")))
        .values_list("pk", "team_id")[:1000]
    )
    count = 0
    for conversation_id, team_id in stale:
        followups.handle(conversation_id, team_id, "sweep")
        count += 1
    return count


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def run_rescore(run_id: int, team_id: int | None = None) -> int:
    return rescoring.run(run_id=run_id, team_id=team_id)


def start_rescore(*, label: str, calendar: BusinessCalendar | None = None, team_id: int | None = None) -> RescoreRun:
    """A calendar, policy or team calendar was saved: rescore what it touches once the save commits."""
    job = rescoring.create_run(label=label, calendar=calendar, team_id=team_id)
    transaction.on_commit(lambda: run_rescore.delay(job.pk, team_id))
    return job
