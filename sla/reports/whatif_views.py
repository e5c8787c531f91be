"""The what-if page: choose the hours, start a replay (POST), watch its progress, read its figures.

The replay runs as a background job (sla/reports/whatif_runs.py): the page shows its progress bar,
polled by htmx, and the figures once it has finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import audit
from accounts.models import Team
from accounts.permissions import supervisor_required
from accounts.signals import client_address
from sla import runs
from sla.models import BusinessCalendar, WhatIfRun
from sla.reports import page, tasks, whatif, whatif_runs
from sla.reports.filters import ReportFilterForm, Scope, report_scope


@dataclass(frozen=True)
class Question:
    calendars: list[BusinessCalendar]
    base: BusinessCalendar | None
    draft: str
    hours: dict[str, list[list[str]]] | None  # None: nothing chosen to replay yet
    label: str


def _scope(request: HttpRequest, params: dict[str, str]) -> tuple[Scope, ReportFilterForm]:
    return report_scope(user=request.user, params=params, zone=timezone.get_current_timezone(), now=timezone.now())


def _question(params: dict[str, str], scope: Scope) -> Question:
    calendars = list(BusinessCalendar.objects.all())
    base = _chosen_calendar(params.get("calendar", ""), calendars, scope)
    draft = params.get("draft", "")
    other = next((c for c in calendars if f"cal-{c.pk}" == draft), None)
    hours, label = None, ""
    if base is not None and other is not None:
        hours, label = other.weekly_hours, f"Calendar {other.name}"
    elif base is not None and draft in whatif.PRESETS:
        hours, label = whatif.preset_hours(base, draft), whatif.PRESETS[draft]
    return Question(calendars, base, draft, hours, label)


@supervisor_required
def what_if(request: HttpRequest) -> HttpResponse:
    """The choices, and the run asked for (?run=) or a recent one of the same question."""
    scope, form = _scope(request, request.GET.dict())
    asked = _question(request.GET.dict(), scope)
    base = asked.base
    context: dict[str, object] = {
        "scope": scope,
        "form": form,
        "calendars": asked.calendars,
        "base": base,
        "draft": asked.draft,
        "options": [*whatif.PRESETS.items(), *((f"cal-{c.pk}", f"Calendar {c.name}") for c in asked.calendars if c != base)],
        "scope_params": scope.params,
    }
    if base is not None and asked.hours is not None:
        today = timezone.localdate()
        run_id = request.GET.get("run", "")
        job = WhatIfRun.objects.filter(pk=int(run_id)).first() if run_id.isdigit() else None
        if job is None or not whatif_runs.visible_to(job, request.user):
            question = whatif_runs.question(scope, calendar=base, hours=asked.hours, today=today)
            job = whatif_runs.reusable(whatif_runs.key_of(question))
        context.update(
            hours=whatif.form_days(asked.hours),
            draft_label=asked.label,
            closed_dates="\n".join(f"{h.date.isoformat()} {h.name}".strip() for h in base.custom_holidays.all()),
            **_run_context(job),
        )
    return render(request, "sla/reports/whatif.html", context)


@supervisor_required
@require_POST
def what_if_start(request: HttpRequest) -> HttpResponse:
    """Start the replay in the background (or reuse a recent one) and show the page with its progress."""
    params = request.POST.dict()
    scope, _ = _scope(request, params)
    asked = _question(params, scope)
    query = scope.query_string(calendar=str(asked.base.pk) if asked.base else "", draft=asked.draft)
    if asked.base is None or asked.hours is None:
        return redirect(f"{reverse('sla_reports:whatif')}?{query}")
    job, reused = tasks.start_whatif(
        scope,
        calendar=asked.base,
        hours=asked.hours,
        label=asked.label,
        actor=request.user,
        today=timezone.localdate(),
        again=params.get("again") == "1",
    )
    if not reused:
        audit.record(
            "report.whatif_started",
            actor=request.user,
            target_label=f"what-if {asked.label}, against {asked.base.name}, {scope.period.label}"[:255],
            after={**scope.params, "teams": list(scope.team_ids), "calendar": asked.base.pk, "hours": asked.hours},
            changes_only=False,
            ip_address=client_address(request),
        )
    return redirect(f"{reverse('sla_reports:whatif')}?{query}&run={job.pk}")


@supervisor_required
def what_if_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """The run's partial, polled by htmx until it has finished, then its figures."""
    job = get_object_or_404(WhatIfRun, pk=run_id)
    if not whatif_runs.visible_to(job, request.user):
        raise Http404("Not found")
    return render(request, "sla/reports/_whatif_run.html", _run_context(job))


def _run_context(job: WhatIfRun | None) -> dict[str, object]:
    if job is None:
        return {"whatif_run": None}
    fresh_minutes = int(whatif_runs.FRESH.total_seconds() // 60)
    shown = runs.progress(job)
    if shown["finished"] and job.result:
        result = job.result
        waits = ("median_now", "median_then", "p90_now", "p90_then")
        shown["figures"] = {**result, **{name: page.wait(result[name]) for name in waits}}
    return {"whatif_run": shown, "fresh_minutes": fresh_minutes}


def _chosen_calendar(asked: str, calendars: list[BusinessCalendar], scope: Scope) -> BusinessCalendar | None:
    chosen = next((c for c in calendars if str(c.pk) == asked), None)
    if chosen is None:
        # The hours the user's teams keep, before any other calendar.
        defaults = set(Team.objects.filter(pk__in=scope.team_ids).values_list("default_calendar_id", flat=True))
        # Opening hours to change, before a 24/7 calendar (which has none).
        ordered = sorted(calendars, key=lambda c: (c.pk not in defaults, c.always_open))
        chosen = ordered[0] if ordered else None
    return chosen
