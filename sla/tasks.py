from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from sla import scoring


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def evaluate_conversation_sla(conversation_id: int) -> None:
    scoring.evaluate_conversation(conversation_id=conversation_id, now=timezone.now())


@shared_task
def detect_due_flags() -> int:
    return scoring.detect_due(now=timezone.now())
