from django.contrib.auth import views as auth_views
from django.urls import include, path

from inbox.views import healthz

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("webhooks/", include("channels_app.urls")),
    path("settings/channels/", include("channels_app.settings_urls")),
    path("email/", include("channels_app.email.urls")),
    path("settings/sla/", include("sla.urls")),
    path("settings/", include("accounts.urls")),
    path("sla/", include("sla.dashboard_urls")),
    path("", include("inbox.urls")),
]
