"""Celery entry points of the rules engine: thin wrappers, the work is in automation.engine."""

from celery import shared_task
from django.db import OperationalError

from automation import engine


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sla_flagged(conversation_id: int, flag: str, key: str) -> int:
    return engine.sla_flagged(conversation_id=conversation_id, flag=flag, key=key)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_unassigned() -> int:
    return engine.unassigned_waiting()
