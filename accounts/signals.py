"""Logins and failed logins go into the audit log (Django's auth signals; axes counts failures itself)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import audit
from accounts.models import User


def client_address(request: HttpRequest | None) -> str:
    """The address of whoever sent the request, for the audit log and login throttling (axes).

    Behind PARLEY_PROXY_COUNT reverse proxies, each appending the address it was reached from to
    X-Forwarded-For, the client is the PARLEY_PROXY_COUNT-th entry from the right; anything left
    of it was written by the client and proves nothing. REMOTE_ADDR is then only the nearest proxy.
    """
    if request is None:
        return ""
    proxies = settings.PARLEY_PROXY_COUNT
    if proxies > 0:
        chain = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(chain) >= proxies:
            return chain[-proxies][:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


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
