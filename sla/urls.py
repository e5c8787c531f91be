from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("", views.settings_index, name="settings"),
    path("calendars/new/", views.calendar_edit, name="calendar_new"),
    path("calendars/<int:calendar_id>/", views.calendar_edit, name="calendar"),
    path("policies/new/", views.policy_edit, name="policy_new"),
    path("policies/<int:policy_id>/", views.policy_edit, name="policy"),
    path("calendars/<int:calendar_id>/delete/", views.calendar_delete, name="calendar_delete"),
    path("policies/<int:policy_id>/delete/", views.policy_delete, name="policy_delete"),
    path("rescoring/<int:run_id>/", views.rescore_progress, name="rescore_progress"),
]
