"""Admin pages for channels: the list, then each kind's pages from its registry record."""

from django.urls import include, path

from channels_app import settings_views
from channels_app.registry import KINDS

app_name = "channel_settings"

urlpatterns = [
    path("", settings_views.channel_list, name="list"),
    *(path(f"{kind}/", include(list(record.admin_urls))) for kind, record in KINDS.items() if record.admin_urls),
]
