from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required, supervisor_required
from accounts.signals import client_address
from sla import configuration, runs
from sla.calendars import to_clock
from sla.clock import next_openings
from sla.forms import CalendarForm, PolicyForm
from sla.models import BusinessCalendar, RescoreRun, SlaPolicy


@admin_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sla/settings.html",
        {
            "calendars": BusinessCalendar.objects.all(),
            "policies": SlaPolicy.objects.select_related("calendar", "team"),
            "rescore": _progress_context(request),
        },
    )


def _progress_context(request: HttpRequest) -> dict[str, object] | None:
    run_id = request.GET.get("rescore", "")
    job = RescoreRun.objects.filter(pk=int(run_id)).first() if run_id.isdigit() else None
    return runs.progress(job) if job is not None else None


def _preview(calendar: BusinessCalendar) -> list[tuple[object, object]]:
    # UTC here; the template shows them in the calendar's own zone.
    return next_openings(timezone.now(), to_clock(calendar, today=timezone.now().date()), 5)


@admin_required
def calendar_edit(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id) if calendar_id else None
    form = CalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST" and form.is_valid():
        calendar, job = configuration.save_calendar(form=form, actor=request.user, ip_address=client_address(request))
        flash.success(request, f"Saved {calendar.name}. The open conversations it measures are being rescored.")
        return redirect(f"{reverse('sla:calendar', args=[calendar.pk])}?rescore={job.pk}")
    preview = _preview(calendar) if calendar is not None else []
    context = {"form": form, "calendar": calendar, "preview": preview, "rescore": _progress_context(request)}
    if calendar is not None:
        context["used_by"] = configuration.calendar_users(calendar)
    return render(request, "sla/calendar_form.html", context)


@admin_required
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=policy_id) if policy_id else None
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        policy, job = configuration.save_policy(form=form, actor=request.user, ip_address=client_address(request))
        flash.success(request, f"Saved {policy.name}. Open conversations are being rescored.")
        return redirect(f"{reverse('sla:settings')}?rescore={job.pk}")
    return render(request, "sla/policy_form.html", {"form": form, "policy": policy})


@admin_required
@require_POST
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    return _delete(
        request,
        f"calendar {calendar.name}",
        lambda **who: configuration.delete_calendar(calendar=calendar, **who),
        kept_at=reverse("sla:calendar", args=[calendar_id]),
    )


@admin_required
@require_POST
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    return _delete(
        request,
        f"policy {policy.name}",
        lambda **who: configuration.delete_policy(policy=policy, **who),
        kept_at=reverse("sla:policy", args=[policy_id]),
    )


def _delete(request: HttpRequest, what: str, delete: Callable[..., None], *, kept_at: str) -> HttpResponse:
    """Delete a calendar or policy, or say what still uses it and stay on its page."""
    try:
        delete(actor=request.user, ip_address=client_address(request))
    except configuration.InUse as error:
        flash.error(request, str(error))
        return redirect(kept_at)
    flash.success(request, f"Deleted {what}.")
    return redirect("sla:settings")


@admin_required
def rescore_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress bar's partial, polled by htmx until the run has finished."""
    job = get_object_or_404(RescoreRun, pk=run_id)
    return render(request, "sla/_rescore_progress.html", {"rescore": runs.progress(job)})


@supervisor_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The old /sla/ dashboard's address: its figures are the reports' now (both clocks, tags, live)."""
    return redirect("sla_reports:index")
