from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import audit, security, users
from accounts.forms import ProfileForm
from accounts.models import Role, User
from accounts.permissions import admin_required
from accounts.signals import client_address

AUDIT_PAGE = 100


class LoginView(auth_views.LoginView):
    """The login page, or on a fresh install with no admin yet, how to create the first one."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "GET" and not User.objects.filter(role=Role.ADMIN, is_active=True).exists():
            return render(request, "accounts/first_run.html")
        return super().dispatch(request, *args, **kwargs)


@admin_required
def lockouts(request: HttpRequest) -> HttpResponse:
    context = {"lockouts": security.current_lockouts(), "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "accounts/lockouts.html", context)


@admin_required
@require_POST
def unlock(request: HttpRequest, attempt_id: int) -> HttpResponse:
    if security.unlock(attempt_id=attempt_id, actor=request.user, ip_address=client_address(request)):
        flash.success(request, "Unlocked: they can log in again now.")
    return redirect("accounts:lockouts")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_password = request.POST.get("form") == "password"
    form = ProfileForm(
        request.POST if request.method == "POST" and not is_password else None,
        initial={"first_name": user.first_name, "last_name": user.last_name, "time_zone": user.time_zone},
    )
    password_form = PasswordChangeForm(user, request.POST if is_password else None)
    if request.method == "POST" and not is_password and form.is_valid():
        users.update_profile(user=user, ip_address=client_address(request), **form.cleaned_data)
        flash.success(request, f"Saved. Times are now shown in {user.time_zone}.")
        return redirect("accounts:profile")
    if request.method == "POST" and is_password and password_form.is_valid():
        password_form.save()
        update_session_auth_hash(request, password_form.user)
        users.record_password_changed(user=user, actor=user, ip_address=client_address(request))
        flash.success(request, "Your password is changed.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "password_form": password_form})


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page a set-password link opens; the change goes into the audit log."""

    template_name = "accounts/set_password.html"

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        users.record_password_changed(user=form.user, actor=form.user, ip_address=client_address(self.request))
        return response


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/set_password_done.html"


def _audit_filter(request: HttpRequest) -> audit.AuditFilter:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    actor = request.GET.get("actor", "")
    return audit.AuditFilter(
        actor_id=int(actor) if actor.isdigit() else None,
        kind=request.GET.get("kind", "").strip(),
        since=day("since"),
        until=day("until"),
    )


@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    chosen = _audit_filter(request)
    rows = audit.entries(chosen)
    page = max(1, int(request.GET["page"])) if request.GET.get("page", "").isdigit() else 1
    shown = list(rows[(page - 1) * AUDIT_PAGE : page * AUDIT_PAGE + 1])
    context = {
        "entries": shown[:AUDIT_PAGE],
        "more": len(shown) > AUDIT_PAGE,
        "page": page,
        "chosen": chosen,
        "people": User.objects.order_by("username"),
        "kinds": audit.kinds(),
        "query": request.GET.urlencode(),
        "query_without_page": "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page"),
    }
    return render(request, "accounts/audit_log.html", context)


@admin_required
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    chosen = _audit_filter(request)
    audit.record(
        "audit.exported",
        actor=request.user,
        target_label="audit log CSV",
        after={k: str(v) for k, v in vars(chosen).items() if v},
        changes_only=False,
        ip_address=client_address(request),
    )
    response = StreamingHttpResponse(audit.csv_rows(audit.entries(chosen)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="parley-audit.csv"'
    return response
