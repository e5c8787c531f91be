from django.urls import path

from automation import views

app_name = "automation"

urlpatterns = [
    path("", views.rules_index, name="rules"),
    path("new/", views.rule_edit, name="rule_new"),
    path("<int:rule_id>/", views.rule_edit, name="rule"),
    path("<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("phrases/", views.phrase_add, name="phrase_add"),
    path("phrases/<int:phrase_id>/delete/", views.phrase_delete, name="phrase_delete"),
    path("acknowledgements/<int:channel_id>/", views.acknowledgement_edit, name="acknowledgement"),
]
