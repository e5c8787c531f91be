"""Report pages: parse the scope, call the figures, render. Supervisors (their teams) and admins."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import supervisor_required
from inbox.selectors import visible_team_ids
from sla.models import Metric, Outcome
from sla.reports import at_risk, chart, export_runs, figures, page, tasks
from sla.reports.filters import ReportFilterForm, Scope, report_scope

DRILL_PAGE = 50


def _scope(request: HttpRequest) -> tuple[Scope, ReportFilterForm]:
    return report_scope(user=request.user, params=request.GET.dict(), zone=timezone.get_current_timezone(), now=timezone.now())


@supervisor_required
def index(request: HttpRequest) -> HttpResponse:
    scope, form = _scope(request)
    snapshot = tasks.snapshot("page", scope)
    context = {"scope": scope, "form": form, "query": scope.query_string(), "snapshot": snapshot}
    if snapshot is not None:
        grouped, counts, points, tagged = snapshot.data
        came, sent = counts[figures.OVERALL][None]
        context |= {
            "conversations_in": came,
            "replies_out": sent,
            "conversations_href": page.href(scope),
            "overall": page.metric_rows(scope, grouped[figures.OVERALL].get(None, {}), {}),
            "tables": page.tables(scope, grouped, counts),
            "tags": page.tag_rows(scope, tagged),
            "points": points,
            "chart": chart.draw(points, hourly=scope.period.hourly),
            "large_export": export_runs.is_large(came),
        }
    return render(request, "sla/reports/index.html", context)


@supervisor_required
def conversations(request: HttpRequest) -> HttpResponse:
    scope, form = _scope(request)
    metric, outcome = request.GET.get("metric", ""), request.GET.get("outcome", "")
    number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    number = max(number, 1)
    first = (number - 1) * DRILL_PAGE
    # One row past the page says whether there is a next one.
    shown = figures.drill_down(scope, metric=metric, outcome=outcome, start=first, stop=first + DRILL_PAGE + 1)
    what = Metric(metric).label if metric in Metric.values else "Conversations in"
    if metric in Metric.values and outcome in Outcome.values:
        what = f"{what}, {Outcome(outcome).label.lower()}"
    # A figure's rows are ordered by when their outcome happened, so the page says when that was.
    at_label = ""
    if metric in Metric.values:
        at_label = {Outcome.BREACHED: "Breached", Outcome.ACHIEVED: "Met"}.get(outcome, "Outcome")
    base = scope.query_string(
        metric=metric if metric in Metric.values else "", outcome=outcome if outcome in Outcome.values else ""
    )
    context = {
        "scope": scope,
        "form": form,
        "what": what,
        "rows": shown[:DRILL_PAGE],
        "at_label": at_label,
        "page": number,
        "newer": f"?{base}&page={number - 1}" if number > 1 else "",
        "older": f"?{base}&page={number + 1}" if len(shown) > DRILL_PAGE else "",
        "back": f"?{scope.query_string()}",
    }
    return render(request, "sla/reports/conversations.html", context)


@supervisor_required
def at_risk_now(request: HttpRequest) -> HttpResponse:
    """Rendered whole here; the page's websocket (sla/consumers.py) sends the rows again as they change."""
    rows = list(at_risk.at_risk(team_ids=visible_team_ids(user=request.user))[: at_risk.SHOWN])
    return render(request, "sla/reports/at_risk.html", {"rows": rows, "shown": at_risk.SHOWN})
