"""Celery entry points of the inbox: thin wrappers, the work is in inbox.followups."""

from celery import shared_task
from django.db import OperationalError

from inbox import assignment, followups


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def conversation_changed(conversation_id: int, team_id: int, reason: str) -> None:
    followups.handle(conversation_id, team_id, reason)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def drain_changes() -> int:
    return followups.drain()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def assign_team(team_id: int) -> int:
    """A team's capacity grew or auto-assignment was switched on: hand out what is waiting."""
    return assignment.assign_waiting(team_id=team_id)
