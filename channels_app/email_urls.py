"""Email pages agents use from a conversation: attachment downloads and a message with its images."""

from django.urls import path

from channels_app import email_views

app_name = "email"

urlpatterns = [
    path("attachments/<int:attachment_id>/", email_views.attachment_download, name="attachment"),
    path("messages/<int:message_id>/", email_views.message_with_images, name="message"),
]
