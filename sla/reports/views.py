"""Report pages: parse the scope, call the figures, render. Supervisors (their teams) and admins."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import supervisor_required
from inbox.models import Conversation
from sla.reports.filters import Scope, report_scope


def _scope(request: HttpRequest) -> tuple[Scope, object]:
    return report_scope(user=request.user, params=request.GET.dict(), zone=timezone.get_current_timezone(), now=timezone.now())


@supervisor_required
def index(request: HttpRequest) -> HttpResponse:
    scope, form = _scope(request)
    period = scope.period
    conversations_in = Conversation.objects.filter(
        scope.conversation_filter(), created_at__gte=period.start, created_at__lt=period.end
    ).count()
    return render(request, "sla/reports/index.html", {"scope": scope, "form": form, "conversations_in": conversations_in})
