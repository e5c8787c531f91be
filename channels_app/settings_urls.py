"""Admin pages for channels; each connector adds its add/edit form here."""

from django.urls import path

from channels_app import settings_views

app_name = "channel_settings"

urlpatterns = [
    path("", settings_views.channel_list, name="list"),
]
