"""Celery entry points of the SLA engine: thin wrappers, the work is in sla.scoring and sla.rescoring."""

from celery import shared_task
from django.db import OperationalError, transaction

from sla import rescoring, scoring
from sla.models import BusinessCalendar, RescoreRun

# Each beat tick (every second) watches for most of a second, so flags land within milliseconds.
DETECT_BUDGET_SECONDS = 0.9


@shared_task(ignore_result=True, expires=5)
def detect_due_flags() -> int:
    return scoring.detect_due(budget_seconds=DETECT_BUDGET_SECONDS)


@shared_task
def sweep_unscored() -> int:
    return rescoring.sweep_unscored()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def run_rescore(run_id: int, team_id: int | None = None) -> int:
    return rescoring.run(run_id=run_id, team_id=team_id)


def start_rescore(*, label: str, calendar: BusinessCalendar | None = None, team_id: int | None = None) -> RescoreRun:
    """A calendar, policy or team calendar was saved: rescore what it touches once the save commits."""
    job = rescoring.create_run(label=label, calendar=calendar, team_id=team_id)
    transaction.on_commit(lambda: run_rescore.delay(job.pk, team_id))
    return job
