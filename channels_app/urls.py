"""Webhook endpoints; each connector module adds its own view here."""

from django.urls import path

from channels_app.webhooks import facebook as facebook_webhook
from channels_app.webhooks import x as x_webhook

app_name = "webhooks"

urlpatterns: list = [
    path("facebook", facebook_webhook.webhook, name="facebook"),
    path("x", x_webhook.x_webhook, name="x"),
]
