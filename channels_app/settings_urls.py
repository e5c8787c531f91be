"""Admin pages for channels; each connector adds its add/edit form here."""

from django.urls import path

from channels_app import email_admin, email_views, facebook_admin, settings_views, x_admin

app_name = "channel_settings"

urlpatterns = [
    path("", settings_views.channel_list, name="list"),
    path("email/", email_admin.email_index, name="email_index"),
    path("email/add/", email_admin.email_add, name="email_add"),
    path("email/<int:channel_id>/", email_admin.email_edit, name="email_edit"),
    path("email/<int:channel_id>/connect/", email_admin.email_connect, name="email_connect"),
    path("email/quarantine/", email_views.quarantine_list, name="email_quarantine"),
    path("email/quarantine/<int:item_id>/raw/", email_views.quarantine_raw, name="email_quarantine_raw"),
    path("email/quarantine/<int:item_id>/reprocess/", email_views.quarantine_reprocess, name="email_quarantine_reprocess"),
    path("facebook/add/", facebook_admin.facebook_add, name="facebook_add"),
    path("facebook/<int:channel_id>/", facebook_admin.facebook_edit, name="facebook_edit"),
    path("facebook/<int:channel_id>/connect/", facebook_admin.facebook_connect, name="facebook_connect"),
    path("x/add/", x_admin.x_add, name="x_add"),
    path("x/<int:channel_id>/", x_admin.x_edit, name="x_edit"),
    path("x/<int:channel_id>/connect/", x_admin.x_connect, name="x_connect"),
]
