from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import security
from accounts.permissions import admin_required


@admin_required
def lockouts(request: HttpRequest) -> HttpResponse:
    context = {"lockouts": security.current_lockouts(), "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "accounts/lockouts.html", context)


@admin_required
@require_POST
def unlock(request: HttpRequest, attempt_id: int) -> HttpResponse:
    if security.unlock(attempt_id=attempt_id, actor=request.user):
        flash.success(request, "Unlocked: they can log in again now.")
    return redirect("accounts:lockouts")
