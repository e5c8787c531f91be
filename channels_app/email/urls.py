"""Email pages agents use from a conversation: attachment downloads and a message with its images."""

from django.urls import path

from channels_app.email import views

app_name = "email"

urlpatterns = [
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("messages/<int:message_id>/", views.message_with_images, name="message"),
]
