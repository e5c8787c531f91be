from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import admin_required
from inbox.models import Channel


@admin_required
def channel_list(request: HttpRequest) -> HttpResponse:
    channels = Channel.objects.select_related("team").order_by("kind", "name")
    return render(request, "channels_app/channel_list.html", {"channels": channels})
