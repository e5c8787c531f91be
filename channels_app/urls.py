"""Webhook endpoints; each connector module adds its own view here."""

from django.urls import path

app_name = "webhooks"

urlpatterns: list = []
