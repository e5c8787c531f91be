"""/settings/users/: admins add people, change their role and teams, deactivate, send set-password links."""

from __future__ import annotations

from django.contrib import messages as flash
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import users
from accounts.forms import UserForm
from accounts.models import User
from accounts.permissions import admin_required
from accounts.signals import client_address


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    people = (
        User.objects.prefetch_related("teams", "supervised_teams")
        .annotate(open_work=Count("assigned", filter=Q(assigned__status__in=("open", "pending"))))
        .order_by("-is_active", "username")
    )
    return render(request, "accounts/user_list.html", {"people": people})


@admin_required
def user_add(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = users.create_user(
            actor=request.user,
            username=data["username"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            teams=data["teams"],
            supervised_teams=data["supervised_teams"],
            ip_address=client_address(request),
        )
        flash.success(request, f"Added {user.display_name}.")
        if data.get("send_link"):
            _send_link(request, user)
        return redirect("accounts:user", user_id=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "person": None})


@admin_required
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = UserForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in ("username", "first_name", "last_name", "email", "role", "teams", "supervised_teams")}
        try:
            users.update_user(actor=request.user, user=person, ip_address=client_address(request), **fields)
        except users.UserError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, f"Saved {person.display_name}.")
            return redirect("accounts:user", user_id=person.pk)
    return render(request, "accounts/user_form.html", {"form": form, "person": person})


@admin_required
@require_POST
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    try:
        released = users.deactivate_user(actor=request.user, user=person, ip_address=client_address(request))
    except users.UserError as error:
        flash.error(request, str(error))
    else:
        flash.success(
            request,
            f"Deactivated {person.display_name}: they cannot log in. "
            f"{released} conversation{'s' if released != 1 else ''} went back to the queue.",
        )
    return redirect("accounts:user", user_id=person.pk)


@admin_required
@require_POST
def user_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    users.reactivate_user(actor=request.user, user=person, ip_address=client_address(request))
    flash.success(request, f"Reactivated {person.display_name}: they can log in again.")
    return redirect("accounts:user", user_id=person.pk)


@admin_required
@require_POST
def user_send_link(request: HttpRequest, user_id: int) -> HttpResponse:
    _send_link(request, get_object_or_404(User, pk=user_id))
    return redirect("accounts:user", user_id=user_id)


def _send_link(request: HttpRequest, person: User) -> None:
    try:
        users.send_password_link(actor=request.user, user=person, ip_address=client_address(request))
    except users.UserError as error:
        flash.error(request, str(error))
    except OSError as error:
        # SMTP refused or unreachable: say so, the admin can fix the settings and send again.
        flash.error(request, f"The set-password email could not be sent: {error}. Check the outbound SMTP settings.")
    else:
        flash.success(request, f"Sent a set-password link to {person.email}.")
