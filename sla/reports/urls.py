from django.urls import path

from sla.reports import arrivals_views, export_views, views, whatif_views

app_name = "sla_reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("conversations/", views.conversations, name="conversations"),
    path("whatif/", whatif_views.what_if, name="whatif"),
    path("whatif/start/", whatif_views.what_if_start, name="whatif_start"),
    path("whatif/runs/<int:run_id>/", whatif_views.what_if_run, name="whatif_run"),
    path("at-risk/", views.at_risk_now, name="at_risk"),
    path("export.csv", export_views.export_csv, name="export"),
    path("exports/", export_views.export_start, name="export_start"),
    path("exports/<int:run_id>/", export_views.export_page, name="export_page"),
    path("exports/<int:run_id>/progress/", export_views.export_run, name="export_run"),
    path("exports/<int:run_id>/download/", export_views.export_download, name="export_download"),
    path("arrivals/", arrivals_views.arrivals_page, name="arrivals"),
]
