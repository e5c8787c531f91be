from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("security/lockouts/", views.lockouts, name="lockouts"),
    path("security/lockouts/<int:attempt_id>/unlock/", views.unlock, name="unlock"),
]
