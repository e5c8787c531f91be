from django.urls import path

app_name = "sla"

urlpatterns: list = []
