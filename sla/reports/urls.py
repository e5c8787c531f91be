from django.urls import path

from sla.reports import arrivals_views, views, whatif_views

app_name = "sla_reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("conversations/", views.conversations, name="conversations"),
    path("whatif/", whatif_views.what_if, name="whatif"),
    path("whatif/start/", whatif_views.what_if_start, name="whatif_start"),
    path("whatif/runs/<int:run_id>/", whatif_views.what_if_run, name="whatif_run"),
    path("at-risk/", views.at_risk_now, name="at_risk"),
    path("export.csv", views.export_csv, name="export"),
    path("arrivals/", arrivals_views.arrivals_page, name="arrivals"),
]
