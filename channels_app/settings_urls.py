"""Admin pages for channels: the list, then each kind's pages from its registry record."""

from django.urls import include, path

from channels_app import event_admin, settings_views
from channels_app.registry import KINDS

app_name = "channel_settings"

urlpatterns = [
    path("", settings_views.channel_list, name="list"),
    path("events/", event_admin.event_list, name="events"),
    path("events/retry/", event_admin.event_retry, name="events_retry"),
    path("<int:channel_id>/disable/", settings_views.channel_disable, name="disable"),
    path("<int:channel_id>/enable/", settings_views.channel_enable, name="enable"),
    *(path(f"{kind}/", include(list(record.admin_urls))) for kind, record in KINDS.items() if record.admin_urls),
]
