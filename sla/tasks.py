from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from sla import scoring

# Each beat tick (every second) watches for most of a second, so flags land within milliseconds.
DETECT_BUDGET_SECONDS = 0.9


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def evaluate_conversation_sla(conversation_id: int) -> None:
    scoring.evaluate_conversation(conversation_id=conversation_id, now=timezone.now())


@shared_task(ignore_result=True, expires=5)
def detect_due_flags() -> int:
    return scoring.detect_due(budget_seconds=DETECT_BUDGET_SECONDS)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def rescore_open_conversations() -> int:
    return scoring.rescore_open()


@shared_task(ignore_result=True)
def probe_timer(expected_at: float, key: str) -> None:
    """Records how late a Celery ETA task ran: the scheduler baseline bench/sla.py compares against."""
    import time

    from inbox.changes import _redis

    _redis().rpush(key, f"{time.time() - expected_at:.6f}")
