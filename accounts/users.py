"""Writes to people: adding, role and teams, deactivating, their own profile, set-password links.

Each records an audit entry (accounts.audit). A user who leaves a team, or is deactivated, gives
their open and pending conversations back to the queue (through accounts.ports, an inbox write).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import audit, ports
from accounts.models import Role, Team, User

logger = logging.getLogger(__name__)

AUDITED = ("username", "first_name", "last_name", "email", "role", "teams", "supervised_teams", "capacity", "is_active")


class UserError(ValueError):
    """The change cannot be made; the text says why, for the admin."""


def valid_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def create_user(
    *,
    actor: User | None,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    role: str = Role.AGENT,
    teams: Iterable[Team] = (),
    supervised_teams: Iterable[Team] = (),
    password: str | None = None,
    ip_address: str = "",
) -> User:
    """A new person; without a password they set one from the link they are sent."""
    with transaction.atomic():
        user = User(username=username.strip(), email=email.strip(), first_name=first_name, last_name=last_name, role=role)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user.teams.set(list(teams))
        user.supervised_teams.set(list(supervised_teams))
        audit.record("user.created", actor=actor, target=user, after=audit.snapshot(user, AUDITED), ip_address=ip_address)
    return user


def update_user(*, actor: User | None, user: User, ip_address: str = "", **fields: Any) -> User:
    """Change any of name, email, role, teams, supervised_teams, capacity; leaving a team frees its work."""
    if user == actor and "role" in fields and fields["role"] != Role.ADMIN and user.role == Role.ADMIN:
        raise UserError("You cannot take away your own admin role; ask another admin.")
    if user.role == Role.ADMIN and fields.get("role", Role.ADMIN) != Role.ADMIN:
        _keep_one_admin(user)
    with transaction.atomic():
        before = audit.snapshot(user, AUDITED)
        teams_before = set(user.teams.values_list("pk", flat=True))
        for name, value in fields.items():
            if name in ("teams", "supervised_teams"):
                getattr(user, name).set(list(value))
            else:
                setattr(user, name, value)
        user.save()
        left = teams_before - set(user.teams.values_list("pk", flat=True))
        if left:
            ports.staff().release_conversations(user, left, actor)
        after = audit.snapshot(user, AUDITED)
        kind = "user.role_changed" if before["role"] != after["role"] else "user.updated"
        if before != after:
            audit.record(kind, actor=actor, target=user, before=before, after=after, ip_address=ip_address)
    return user


def _keep_one_admin(user: User) -> None:
    if not User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists():
        raise UserError(f"{user.display_name} is the only active admin: make someone else an admin first.")


def deactivate_user(*, actor: User | None, user: User, ip_address: str = "") -> int:
    """They can no longer log in (open sessions end too); their conversations go back to the queue."""
    if user == actor:
        raise UserError("You cannot deactivate yourself.")
    if user.role == Role.ADMIN:
        _keep_one_admin(user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        released = ports.staff().release_conversations(user, None, actor)
        audit.record(
            "user.deactivated",
            actor=actor,
            target=user,
            before={"is_active": True},
            after={"is_active": False, "conversations_returned_to_queue": released},
            changes_only=False,
            ip_address=ip_address,
        )
    return released


def reactivate_user(*, actor: User | None, user: User, ip_address: str = "") -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        audit.record(
            "user.reactivated",
            actor=actor,
            target=user,
            before={"is_active": False},
            after={"is_active": True},
            ip_address=ip_address,
        )


def update_profile(*, user: User, first_name: str, last_name: str, time_zone: str, ip_address: str = "") -> User:
    """A user's own display name and time zone."""
    if not valid_time_zone(time_zone):
        raise UserError(f"“{time_zone}” is not a time zone we know. Use a name like Europe/Stockholm.")
    before = audit.snapshot(user, ("first_name", "last_name", "time_zone"))
    user.first_name, user.last_name, user.time_zone = first_name.strip(), last_name.strip(), time_zone
    user.save(update_fields=["first_name", "last_name", "time_zone"])
    after = audit.snapshot(user, ("first_name", "last_name", "time_zone"))
    if before != after:
        audit.record("profile.updated", actor=user, target=user, before=before, after=after, ip_address=ip_address)
    return user


def record_password_changed(*, user: User, actor: User | None, ip_address: str = "") -> None:
    audit.record(
        "user.password_changed",
        actor=actor,
        target=user,
        after={"password": "changed"},
        changes_only=False,
        ip_address=ip_address,
    )


def send_password_link(*, actor: User | None, user: User, ip_address: str = "") -> None:
    """Email a one-time link to set a password (Django's reset token), through the outbound SMTP settings."""
    if not user.email:
        raise UserError(f"{user.display_name} has no email address: add one first.")
    if not user.is_active:
        raise UserError(f"{user.display_name} is deactivated: reactivate them first.")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.PARLEY_PUBLIC_URL.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])
    context = {"user": user, "link": link, "sender": actor.display_name if actor else "Parley"}
    send_mail(
        subject="Set your Parley password",
        message=render_to_string("accounts/set_password_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    audit.record(
        "user.password_link_sent",
        actor=actor,
        target=user,
        after={"email": user.email},
        changes_only=False,
        ip_address=ip_address,
    )
