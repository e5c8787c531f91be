"""Webhook endpoints: /webhooks/<kind> for every kind whose registry record has a webhook."""

from django.urls import path

from channels_app.registry import KINDS
from channels_app.webhooks import webhook

app_name = "webhooks"

urlpatterns = [
    path(kind, webhook, {"kind": kind}, name=kind) for kind, record in sorted(KINDS.items()) if record.webhook is not None
]
