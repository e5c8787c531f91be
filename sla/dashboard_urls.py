from django.urls import path

from sla import views

app_name = "sla_dashboard"

urlpatterns = [path("", views.dashboard, name="dashboard")]
