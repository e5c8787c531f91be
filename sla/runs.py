"""Background jobs with a progress bar (sla.models.ProgressRun: the rescoring and the what-if runs).

The worker moves done as it goes; the page polls a partial (templates/sla/_progress_bar.html) that
reads progress() until the run has finished.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone

from sla.models import ProgressRun

# How often a running job writes its progress: often enough for a bar polled every second, rare
# enough that a replay of a quarter of a million rows spends nothing noticeable on it.
WRITE_EVERY_SECONDS = 0.25


def progress(job: ProgressRun, *, now: datetime | None = None) -> dict[str, object]:
    """done / total, the share, and the time left at the rate so far (None until it can be told)."""
    now = now or timezone.now()
    share = 100 if job.total == 0 else min(100, round(100 * job.done / job.total))
    left = None
    if job.started_at and job.done and job.finished_at is None:
        rate = job.done / max((now - job.started_at).total_seconds(), 0.001)
        left = timedelta(seconds=round((job.total - job.done) / rate))
    return {"run": job, "share": share, "left": left, "finished": job.finished_at is not None}


def recorder(job: ProgressRun) -> Callable[[int], None]:
    """A progress callback that writes done to the job's row at most every WRITE_EVERY_SECONDS."""
    rows = type(job).objects.filter(pk=job.pk)
    last = time.monotonic()

    def record(done: int) -> None:
        nonlocal last
        if time.monotonic() - last >= WRITE_EVERY_SECONDS:
            rows.update(done=done)
            last = time.monotonic()

    return record
