"""The bell and the notification list: what the signed-in user was told, and their email choice."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import agent_required
from inbox import actions
from inbox import notification_selectors as selectors


@agent_required
def notification_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inbox/notifications.html",
        {
            "notifications": selectors.notifications(user=request.user, limit=100),
            "unread": selectors.unread_notification_count(user=request.user),
            "email_breaches": selectors.notification_preference(user=request.user).email_breaches,
        },
    )


@agent_required
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The header's bell with its count and the newest few: re-fetched when a push says so."""
    return render(
        request,
        "inbox/_bell.html",
        {
            "unread": selectors.unread_notification_count(user=request.user),
            "latest": selectors.notifications(user=request.user, limit=5, unread_only=True),
        },
    )


@agent_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
    actions.mark_notifications_read(user=request.user, notification_ids=ids or None)
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/") else "inbox:notifications")


@agent_required
@require_POST
def notification_settings(request: HttpRequest) -> HttpResponse:
    actions.save_notification_preference(user=request.user, email_breaches=request.POST.get("email_breaches") == "on")
    return redirect("inbox:notifications")
