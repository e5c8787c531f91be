"""Celery entry points of the inbox: thin wrappers, the work is in inbox.followups."""

from celery import shared_task
from django.db import OperationalError

from inbox import followups


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def conversation_changed(conversation_id: int, team_id: int, reason: str) -> None:
    followups.handle(conversation_id, team_id, reason)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def drain_changes() -> int:
    return followups.drain()
