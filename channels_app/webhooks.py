"""The webhook endpoint of every platform: verify -> store the raw event -> enqueue.

Each kind's WebhookRequest (registry.KINDS[kind].webhook) checks the signature over the raw body
and the payload's shape; this view does nothing else, so the platform gets its answer fast. The
work happens in Celery (tasks.process_webhook_event -> inbound_events.process_event).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels_app.base import WebhookRejected
from channels_app.models import WebhookEvent
from channels_app.registry import KINDS
from channels_app.tasks import process_webhook_event

logger = logging.getLogger("parley.webhooks")


def accept_event(*, source: str, payload: dict[str, Any]) -> WebhookEvent:
    """Store a verified event and enqueue its processing after commit."""
    with transaction.atomic():
        event = WebhookEvent.objects.create(source=source, payload=payload)
        transaction.on_commit(lambda: process_webhook_event.delay(event.pk))
    return event


def reject(request: HttpRequest, *, source: str, reason: str, status: int = 403) -> JsonResponse:
    """One log line per refused delivery, naming why, never the body or a secret."""
    logger.warning(
        "webhook rejected",
        extra={"source": source, "reason": reason, "remote": request.META.get("REMOTE_ADDR", "")},
    )
    response = JsonResponse({"error": reason}, status=status)
    # Django's request logger would add a second line for the same refusal.
    response._has_been_logged = True
    return response


@csrf_exempt
def webhook(request: HttpRequest, kind: str) -> HttpResponse:
    request_class = KINDS[kind].webhook
    assert request_class is not None  # urls.py routes only kinds that have one
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    call = request_class(request)
    try:
        if request.method == "GET":
            return call.challenge()
        call.validate()
    except WebhookRejected as rejected:
        return reject(request, source=kind, reason=rejected.reason, status=rejected.status)
    accept_event(source=kind, payload=call.payload)
    return call.acknowledge()
