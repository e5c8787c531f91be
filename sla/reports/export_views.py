"""The report's CSV: streamed straight to the browser, or, for more than export_runs.LARGE_ROWS
rows, written by a background run (sla/reports/export_runs.py) whose page shows the progress bar
and then a Download link. Both are audited as report.exported when asked for."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.permissions import supervisor_required
from accounts.signals import client_address
from sla import runs
from sla.models import ExportRun
from sla.reports import export, export_runs, snapshots, tasks
from sla.reports.filters import Scope, report_scope


def _scope(request: HttpRequest, params: dict[str, str]) -> Scope:
    scope, _ = report_scope(user=request.user, params=params, zone=timezone.get_current_timezone(), now=timezone.now())
    return scope


def _audit(request: HttpRequest, scope: Scope, **extra: object) -> None:
    audit.record(
        "report.exported",
        actor=request.user,
        target_label=f"reports CSV, {scope.period.label}",
        after={**scope.params, "teams": list(scope.team_ids), **extra},
        changes_only=False,
        ip_address=client_address(request),
    )


@supervisor_required
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Streamed as it is read: the page gave the row count, the browser shows the bytes arriving."""
    scope = _scope(request, request.GET.dict())
    _audit(request, scope)
    response = StreamingHttpResponse(export.csv_lines(scope), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_runs.file_name(scope)}"'
    return response


@supervisor_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    """Start a large export in the background and show its page (progress, then the download)."""
    scope = _scope(request, request.POST.dict())
    job = tasks.start_export(scope, actor=request.user)
    _audit(request, scope, run=job.pk, rows=job.total)
    return redirect("sla_reports:export_page", run_id=job.pk)


def _visible_run(request: HttpRequest, run_id: int) -> ExportRun:
    job = get_object_or_404(ExportRun, pk=run_id)
    if not export_runs.visible_to(job, request.user):
        raise Http404("Not found")
    return job


def _context(job: ExportRun) -> dict[str, object]:
    scope = snapshots.scope_of(job.params["scope"])
    return {"export_run": runs.progress(job), "scope": scope, "keep_hours": int(export_runs.KEEP.total_seconds() // 3600)}


@supervisor_required
def export_page(request: HttpRequest, run_id: int) -> HttpResponse:
    return render(request, "sla/reports/export_run.html", _context(_visible_run(request, run_id)))


@supervisor_required
def export_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """The run's partial, polled by htmx until it has finished, then its Download link."""
    return render(request, "sla/reports/_export_run.html", _context(_visible_run(request, run_id)))


@supervisor_required
def export_download(request: HttpRequest, run_id: int) -> FileResponse:
    job = _visible_run(request, run_id)
    if job.finished_at is None or not job.file:
        raise Http404("Not ready")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("Deleted") from None
    name = export_runs.file_name(snapshots.scope_of(job.params["scope"]))
    return FileResponse(handle, as_attachment=True, filename=name, content_type="text/csv; charset=utf-8")
