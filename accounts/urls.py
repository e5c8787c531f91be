from django.urls import path

from accounts import team_views, user_views, views

app_name = "accounts"

urlpatterns = [
    path("security/lockouts/", views.lockouts, name="lockouts"),
    path("security/lockouts/<int:attempt_id>/unlock/", views.unlock, name="unlock"),
    path("profile/", views.profile, name="profile"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.csv", views.audit_csv, name="audit_csv"),
    path("users/", user_views.user_list, name="users"),
    path("users/new/", user_views.user_add, name="user_new"),
    path("users/<int:user_id>/", user_views.user_edit, name="user"),
    path("users/<int:user_id>/deactivate/", user_views.user_deactivate, name="user_deactivate"),
    path("users/<int:user_id>/reactivate/", user_views.user_reactivate, name="user_reactivate"),
    path("users/<int:user_id>/send-password-link/", user_views.user_send_link, name="user_send_link"),
    path("teams/", team_views.team_list, name="teams"),
    path("teams/new/", team_views.team_add, name="team_new"),
    path("teams/<int:team_id>/", team_views.team_edit, name="team"),
    path("teams/<int:team_id>/archive/", team_views.team_archive, name="team_archive"),
    path("teams/<int:team_id>/restore/", team_views.team_restore, name="team_restore"),
]
