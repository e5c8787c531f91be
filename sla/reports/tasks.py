"""The worker's side of the reports: the snapshots (sla/reports/snapshots.py), the what-if runs
(sla/reports/whatif_runs.py) and the large exports (sla/reports/export_runs.py). Thin: the work is
in those modules."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError, transaction

from accounts.models import User
from sla.models import ExportRun, WhatIfRun
from sla.reports import export_runs, snapshots, whatif_runs
from sla.reports.filters import Scope


@shared_task(ignore_result=True)
def refresh_snapshot(kind: str, scope: dict, extra: dict) -> float:
    return snapshots.refresh(kind, scope, extra)


def snapshot(kind: str, scope: Scope, **extra: object) -> snapshots.Snapshot | None:
    """The page's figures: the newest snapshot, refreshed by the worker when stale."""
    return snapshots.read(kind, scope, ask=refresh_snapshot.delay, **extra)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def run_whatif(run_id: int) -> None:
    whatif_runs.run(run_id)


def start_whatif(scope: Scope, **question: Any) -> tuple[WhatIfRun, bool]:
    """A what-if was asked: reuse a recent answer, or replay in the background once the row commits."""
    job, reused = whatif_runs.create(scope, **question)
    if not reused:
        transaction.on_commit(lambda: run_whatif.delay(job.pk))
    return job, reused


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def run_export(run_id: int) -> None:
    export_runs.run(run_id)


def start_export(scope: Scope, *, actor: User) -> ExportRun:
    """A large export was asked for: write its file in the background once the row commits."""
    job = export_runs.create(scope, actor=actor)
    transaction.on_commit(lambda: run_export.delay(job.pk))
    return job
