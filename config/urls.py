from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("set-password/<uidb64>/<token>/", account_views.SetPasswordView.as_view(), name="password_reset_confirm"),
    path("set-password/done/", account_views.SetPasswordDoneView.as_view(), name="password_reset_complete"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("webhooks/", include("channels_app.urls")),
    path("settings/channels/", include("channels_app.settings_urls")),
    path("email/", include("channels_app.email.urls")),
    path("settings/sla/", include("sla.urls")),
    path("settings/rules/", include("automation.urls")),
    path("settings/", include("accounts.urls")),
    path("sla/reports/", include("sla.reports.urls")),
    path("sla/", include("sla.dashboard_urls")),
    path("", include("inbox.urls")),
]
