"""A supervisor's large export: the run's page shows the progress bar moving, then a Download link
whose file holds the report's rows.

No worker runs beside the browser tests' server (its tasks wait on Redis), so the test does the
worker's part itself, as the worker would: first it records some rows done, then it writes the file.
The run is made as the Export button makes it past LARGE_ROWS (export_runs.create); the button's
choice between stream and run is tested in tests/sla/reports/test_export_runs.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.db import connections
from django.utils import timezone

from tests.browser.harness import BROWSER_MARKS, axe_violations, describe

pytestmark = BROWSER_MARKS


def _as_the_worker(work):
    def run():
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def test_a_supervisor_watches_a_large_export_run_and_downloads_its_file(page_as, workspace):
    from sla.models import ExportRun
    from sla.reports import export, export_runs, snapshots
    from sla.reports.filters import report_scope

    def start():
        user = workspace.users["supervisor"]
        scope, _ = report_scope(user=user, params={"period": "30"}, zone=timezone.get_current_timezone(), now=timezone.now())
        return export_runs.create(scope, actor=user)

    # given
    job = _as_the_worker(start)
    page = page_as("supervisor")
    # when
    page.goto(f"/sla/reports/exports/{job.pk}/")
    page.locator("#export-run progress").wait_for()
    waiting = page.locator("#export-run").inner_text()
    half = job.total // 2
    _as_the_worker(lambda: ExportRun.objects.filter(pk=job.pk).update(started_at=timezone.now(), done=half))
    page.locator("#export-run .done", has_text=str(half)).wait_for()
    running_violations = axe_violations(page)
    _as_the_worker(lambda: export_runs.run(job.pk))
    page.locator("#export-download").wait_for()
    with page.expect_download() as got:
        page.locator("#export-download").click()
    saved = Path(got.value.path()).read_bytes().decode()  # as written: the CSV's \r\n kept
    expected = _as_the_worker(lambda: "".join(export.csv_lines(snapshots.scope_of(job.params["scope"]))))
    kept = _as_the_worker(lambda: ExportRun.objects.get(pk=job.pk).file)
    # then
    try:
        assert job.total > 0 and "waiting for a worker" in waiting and f"/ {job.total}" in waiting
        assert saved == expected and len(saved.splitlines()) == job.total + 1
        assert got.value.suggested_filename.startswith("parley-report-")
        assert page.locator("#export-run[hx-get]").count() == 0  # finished: it stops polling
        assert not running_violations, describe(running_violations)
        assert not (found := axe_violations(page)), describe(found)
        assert page.csp_violations == []
    finally:
        _as_the_worker(lambda: kept.delete(save=False))
