"""The worker's side of the report snapshots (sla/reports/snapshots.py)."""

from __future__ import annotations

from celery import shared_task

from sla.reports import snapshots
from sla.reports.filters import Scope


@shared_task(ignore_result=True)
def refresh_snapshot(kind: str, scope: dict, extra: dict) -> float:
    return snapshots.refresh(kind, scope, extra)


def snapshot(kind: str, scope: Scope, **extra: object) -> snapshots.Snapshot | None:
    """The page's figures: the newest snapshot, refreshed by the worker when stale."""
    return snapshots.read(kind, scope, ask=refresh_snapshot.delay, **extra)
