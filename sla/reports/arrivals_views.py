"""The arrivals heatmap page: the report's scope plus the calendar whose hours are drawn over it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import supervisor_required
from sla.models import BusinessCalendar
from sla.reports import arrivals, tasks
from sla.reports.filters import report_scope
from sla.reports.page import wait


def chosen_calendar(value: str) -> BusinessCalendar | None:
    """The calendar asked for, else the first with opening hours (a 24/7 one draws nothing over)."""
    calendars = BusinessCalendar.objects.all()
    if value.isdigit() and (found := calendars.filter(pk=int(value)).first()):
        return found
    return calendars.filter(always_open=False).first() or calendars.first()


@supervisor_required
def arrivals_page(request: HttpRequest) -> HttpResponse:
    scope, form = report_scope(
        user=request.user, params=request.GET.dict(), zone=timezone.get_current_timezone(), now=timezone.now()
    )
    calendar = chosen_calendar(request.GET.get("calendar", ""))
    snapshot = None
    if calendar is not None:
        # The calendar's hours are part of the key: an edit draws the new outline at once.
        hours = [calendar.timezone, calendar.always_open, calendar.weekly_hours]
        snapshot = tasks.snapshot("arrivals", scope, calendar=calendar.pk, hours=hours)
    grid = snapshot.data if snapshot is not None else None
    context = {
        "snapshot": snapshot,
        "scope": scope,
        "form": form,
        "calendars": BusinessCalendar.objects.all(),
        "calendar": calendar,
        "grid": grid,
        "hours": arrivals.HOURS,
        "inside_wait": wait(grid.inside.median_wait) if grid else "",
        "outside_wait": wait(grid.outside.median_wait) if grid else "",
    }
    return render(request, "sla/reports/arrivals.html", context)
