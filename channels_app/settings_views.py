from django.contrib import messages as flash
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required
from accounts.signals import client_address
from channels_app import switch
from channels_app.models import WebhookStatus
from inbox.models import Channel


@admin_required
def channel_list(request: HttpRequest) -> HttpResponse:
    channels = (
        Channel.objects.select_related("team")
        .annotate(held=Count("webhook_events", filter=Q(webhook_events__status=WebhookStatus.HELD)))
        .order_by("kind", "name")
    )
    return render(request, "channels_app/channel_list.html", {"channels": channels})


@admin_required
@require_POST
def channel_disable(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    switch.disable(channel=channel, actor=request.user, ip_address=client_address(request))
    flash.success(
        request,
        f"Disabled {channel.name}: it is not polled and nothing can be sent on it. Webhook deliveries are still "
        "answered and stored, and are brought in when you enable it again. Its conversations stay.",
    )
    return redirect("channel_settings:list")


@admin_required
@require_POST
def channel_enable(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    held = switch.enable(channel=channel, actor=request.user, ip_address=client_address(request))
    flash.success(
        request,
        f"Enabled {channel.name}: polling resumes"
        + (f" and {held} held webhook deliver{'ies are' if held != 1 else 'y is'} being brought in." if held else "."),
    )
    return redirect("channel_settings:list")
