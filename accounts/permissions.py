"""Role checks for views: the one place that says who may open which page."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Role

AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
ADMIN_ROLES = (Role.ADMIN,)


def has_role(user: Any, roles: tuple[str, ...]) -> bool:
    """Whether a signed-in, active user holds one of the roles: views and websockets ask this one question."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and getattr(user, "role", None) in roles


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Login first; then a user without one of the roles gets a 404, as for anything not theirs."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, roles):
                raise Http404("Not found")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


agent_required = role_required(*AGENT_ROLES)
supervisor_required = role_required(*SUPERVISOR_ROLES)
admin_required = role_required(*ADMIN_ROLES)
