"""Large report exports as background runs: the worker writes the CSV (export.csv_lines, the same
lines the streamed download sends) to a file with a progress bar, and the user downloads the file.

Why not stream everything: past LARGE_ROWS a stream runs for long enough (a year of a busy account
is about a million rows, close to a minute at the measured rate) that the browser's download shows
bytes with no end in sight, a web process is held for the whole of it, and a proxy's read timeout
or a closed laptop loses it all. A run survives those, shows rows done against the total, and its
file can be downloaded again until KEEP has passed.

Files older than KEEP are deleted when the next export run is started (sweep), not by a beat
task: nothing else needs them gone sooner, and the demo (no beat worth relying on) sweeps the same.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta

from django.core.files import File
from django.utils import timezone

from accounts.models import User
from inbox.selectors import visible_team_ids
from sla import runs
from sla.models import ExportRun
from sla.reports import export, snapshots
from sla.reports.figures import conversations_in
from sla.reports.filters import Scope

logger = logging.getLogger(__name__)

# Up to this many rows the CSV streams straight to the browser: at the 20,000 rows/s or more the
# bench measures (bench/reports.py measure_export) that is done in about 2.5 s, before a progress
# bar would say anything. More than this goes through a run.
LARGE_ROWS = 50_000
KEEP = timedelta(hours=24)


def is_large(rows: int) -> bool:
    return rows > LARGE_ROWS


def file_name(scope: Scope) -> str:
    """What the browser saves it as, streamed or from a run."""
    return f"parley-report-{scope.period.first_day:%Y%m%d}-{scope.period.last_day:%Y%m%d}.csv"


def create(scope: Scope, *, actor: User) -> ExportRun:
    """A new run, counted, for sla.reports.tasks.start_export to queue; old files go first."""
    sweep()
    return ExportRun.objects.create(
        label=f"CSV export, {scope.period.label}"[:200],
        requested_by=actor,
        params={"scope": snapshots.payload(scope)},
        total=conversations_in(scope).count(),
    )


def run(run_id: int) -> None:
    """The worker's part: write the lines to a file, moving done every chunk, then keep the file."""
    rows = ExportRun.objects.filter(pk=run_id)
    job = rows.filter(finished_at__isnull=True).first()
    if job is None:
        return  # already done (a retried task)
    rows.update(started_at=timezone.now(), done=0)
    scope = snapshots.scope_of(job.params["scope"])
    written = -1  # the header is not a row
    try:
        with tempfile.TemporaryFile() as out:
            for line in export.csv_lines(scope, progress=runs.recorder(job)):
                out.write(line.encode("utf-8"))
                written += 1
            out.seek(0)
            job.file.save(f"{job.pk}-{file_name(scope)}", File(out), save=False)
    except Exception:
        # Said on the page rather than retried: the same rows would fail the same way.
        logger.exception("export run failed", extra={"run_id": run_id})
        rows.update(error="The export failed; the error is in the worker's log.")
        return
    rows.update(file=job.file.name, done=written, total=written, finished_at=timezone.now())
    logger.info("export run finished", extra={"run_id": run_id, "count": written})


def sweep(*, now: datetime | None = None) -> int:
    """Delete the runs (and their files) created more than KEEP ago; returns how many."""
    old = list(ExportRun.objects.filter(created_at__lt=(now or timezone.now()) - KEEP))
    for job in old:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    return len(old)


def visible_to(job: ExportRun, user: User) -> bool:
    """A run's rows are for whoever may see every team it covers."""
    return set(job.params.get("scope", {}).get("teams", ())) <= set(visible_team_ids(user=user))
