from __future__ import annotations

from datetime import timedelta

from django.contrib import messages as flash
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.permissions import admin_required, supervisor_required
from inbox.selectors import visible_team_ids
from sla import selectors
from sla.calendars import to_clock
from sla.clock import next_openings
from sla.forms import CalendarForm, PolicyForm
from sla.models import BusinessCalendar, SlaPolicy
from sla.tasks import rescore_open_conversations


@admin_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sla/settings.html",
        {
            "calendars": BusinessCalendar.objects.all(),
            "policies": SlaPolicy.objects.select_related("calendar", "team"),
        },
    )


def _preview(calendar: BusinessCalendar) -> list[tuple[object, object]]:
    # UTC here; the template shows them in the calendar's own zone.
    return next_openings(timezone.now(), to_clock(calendar, today=timezone.now().date()), 5)


def _save_and_rescore(request: HttpRequest, form: CalendarForm | PolicyForm) -> BusinessCalendar | SlaPolicy:
    """Targets or hours changed: every open conversation is rescored after the edit commits."""
    with transaction.atomic():
        saved = form.save()
        transaction.on_commit(lambda: rescore_open_conversations.delay())
    flash.success(request, f"Saved {saved.name}. Open conversations are being rescored.")
    return saved


@admin_required
def calendar_edit(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id) if calendar_id else None
    form = CalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST" and form.is_valid():
        calendar = _save_and_rescore(request, form)
        return redirect("sla:calendar", calendar_id=calendar.pk)
    preview = _preview(calendar) if calendar is not None else []
    return render(request, "sla/calendar_form.html", {"form": form, "calendar": calendar, "preview": preview})


@admin_required
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=policy_id) if policy_id else None
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        _save_and_rescore(request, form)
        return redirect("sla:settings")
    return render(request, "sla/policy_form.html", {"form": form, "policy": policy})


@supervisor_required
def dashboard(request: HttpRequest) -> HttpResponse:
    days = 7 if request.GET.get("days") == "7" else 30
    team_ids = visible_team_ids(user=request.user)
    since = timezone.now() - timedelta(days=days)
    return render(
        request,
        "sla/dashboard.html",
        {
            "days": days,
            "rows": selectors.outcome_summary(team_ids=team_ids, since=since),
            "live": selectors.live_counts(team_ids=team_ids),
        },
    )
