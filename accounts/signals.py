"""Logins and failed logins go into the audit log (Django's auth signals; axes counts failures itself)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import audit
from accounts.models import User


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(getattr(request, "axes_ip_address", "") or request.META.get("REMOTE_ADDR", ""))


@receiver(user_logged_in, dispatch_uid="parley-audit-login")
def _logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None:
        return
    audit.record("login.succeeded", actor=user, target=user, ip_address=client_address(request))


@receiver(user_login_failed, dispatch_uid="parley-audit-login-failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Only the username is kept: the password typed is never stored, even masked.
    username = str(credentials.get("username", ""))[:150]
    known = User.objects.filter(username=username).first()
    audit.record(
        "login.failed",
        actor=None,
        target=known,
        target_label=username,
        after={"username": username},
        changes_only=False,
        ip_address=client_address(request),
    )
