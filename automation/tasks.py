"""Celery entry points of the rules engine: thin wrappers, the work is in automation.engine."""

from celery import shared_task
from django.db import OperationalError

from automation import engine


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sla_flagged(flags: list[tuple[int, str, str]]) -> int:
    # A retry runs every flag again: each rule and notification runs once per flag key all the same.
    return sum(engine.sla_flagged(conversation_id=pk, flag=flag, key=key) for pk, flag, key in flags)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_unassigned() -> int:
    return engine.unassigned_waiting()
