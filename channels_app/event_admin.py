"""/settings/channels/events/: the webhook deliveries that are not done, per channel, for admins.

What a helpdesk admin wants to see after an outage: how many deliveries are still waiting (stuck
past the sweep age), failing (with the next attempt), given up or ignored, and the events of a
delivery that could not be mapped, each with its reason; and a Retry that runs them again.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required
from channels_app import inbound_events
from channels_app.models import WebhookEvent, WebhookStatus
from channels_app.tasks import enqueue_webhook_event

LISTED = 200


@admin_required
def event_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    stuck = inbound_events.stuck(now)
    counts = (
        WebhookEvent.objects.values("source", "channel_id", "channel__name")
        .annotate(
            stuck=Count("pk", filter=stuck),
            failed=Count("pk", filter=Q(status=WebhookStatus.FAILED)),
            given_up=Count("pk", filter=Q(status=WebhookStatus.GIVEN_UP)),
            ignored=Count("pk", filter=Q(status=WebhookStatus.IGNORED)),
            unmapped=Count("pk", filter=Q(status=WebhookStatus.PROCESSED) & ~Q(skipped=[])),
            duplicates=Count("pk", filter=Q(duplicates__gt=0)),
        )
        .order_by("source", "channel__name")
    )
    rows = [row for row in counts if any(row[k] for k in ("stuck", "failed", "given_up", "ignored", "unmapped", "duplicates"))]
    events = list(
        WebhookEvent.objects.filter(inbound_events.needs_a_look(now))
        .select_related("channel")
        .defer("payload")
        .order_by("-received_at")[:LISTED]
    )
    return render(request, "channels_app/webhook_events.html", {"counts": rows, "events": events, "listed": LISTED})


@admin_required
@require_POST
def event_retry(request: HttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("event") if value.isdigit()]
    if request.POST.get("all") == "1":
        ids = list(WebhookEvent.objects.filter(inbound_events.needs_a_look(timezone.now())).values_list("pk", flat=True)[:5000])
    count = inbound_events.retry_events(event_ids=ids, actor=request.user, enqueue=enqueue_webhook_event)
    flash.success(request, f"{count} event{'s' if count != 1 else ''} queued to run again.")
    return redirect("channel_settings:events")
