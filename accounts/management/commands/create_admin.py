"""Create (or promote) an admin: `manage.py create_admin`, or from the environment for Docker Compose.

With --from-env it reads PARLEY_ADMIN_USERNAME, PARLEY_ADMIN_PASSWORD and PARLEY_ADMIN_EMAIL and does
nothing when the username is unset, so compose can run it on every start. An existing user of that
name is made an admin and reactivated; their password is kept unless --reset-password is given.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import audit
from accounts.models import Role, User


class Command(BaseCommand):
    help = "Create the first admin (role admin, every settings page), or make an existing user one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username")
        parser.add_argument("--email", default="")
        parser.add_argument("--from-env", action="store_true", help="read PARLEY_ADMIN_USERNAME, _PASSWORD, _EMAIL")
        parser.add_argument("--reset-password", action="store_true", help="set the given password on an existing user")
        parser.add_argument("--no-input", action="store_true", help="never prompt (the password comes from the environment)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["from_env"]:
            username = os.environ.get("PARLEY_ADMIN_USERNAME", "").strip()
            if not username:
                self.stdout.write("PARLEY_ADMIN_USERNAME is not set: no admin created.")
                return
            email = os.environ.get("PARLEY_ADMIN_EMAIL", "").strip()
            password = os.environ.get("PARLEY_ADMIN_PASSWORD", "")
        else:
            username = (options["username"] or "").strip() or (None if options["no_input"] else input("Username: ").strip())
            if not username:
                raise CommandError("Give a username (--username).")
            email = options["email"]
            password = os.environ.get("PARLEY_ADMIN_PASSWORD", "")
        existing = User.objects.filter(username=username).first()
        if not password and (existing is None or options["reset_password"]):
            if options["from_env"] or options["no_input"]:
                raise CommandError("Set PARLEY_ADMIN_PASSWORD to the first admin's password.")
            password = self._prompt_password()
        with transaction.atomic():
            user = existing or User(username=username, email=email)
            candidate = user if existing else User(username=username, email=email)
            if password and (existing is None or options["reset_password"]):
                try:
                    validate_password(password, candidate)
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from error
                user.set_password(password)
            before = {"role": existing.role, "is_active": existing.is_active} if existing else {}
            user.role, user.is_active, user.is_staff = Role.ADMIN, True, True
            if email and not user.email:
                user.email = email
            user.save()
            after = {"role": user.role, "is_active": True}
            if existing is None:
                audit.record(
                    "user.created",
                    actor=None,
                    target=user,
                    after={"username": username, **after},
                    target_label=f"{username} (manage.py create_admin)",
                )
            elif before != after:
                audit.record("user.role_changed", actor=None, target=user, before=before, after=after)
        verb = "Created" if existing is None else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} admin {username}: log in at /login/."))

    def _prompt_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords did not match.")
        if not first:
            raise CommandError("The password is empty.")
        return first
