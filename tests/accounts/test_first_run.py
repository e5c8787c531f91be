"""A fresh install: no admin yet says how to make one; createsuperuser and create_admin make a working admin."""

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import AuditEntry, Role, User
from tests.accounts.login import logs_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_fresh_install_shows_how_to_create_the_first_admin_instead_of_a_404():
    # given no users at all
    # when
    response = Client().get("/", follow=True)
    # then
    assert response.status_code == 200
    assert "manage.py create_admin" in response.content.decode()
    assert "PARLEY_ADMIN_USERNAME" in response.content.decode()


def test_createsuperuser_makes_an_admin_who_opens_the_settings_pages(monkeypatch):
    # given
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    # when
    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.com")
    # then
    client = Client()
    assert logs_in("root", "a-long-password-1", client)
    assert User.objects.get(username="root").role == Role.ADMIN
    assert client.get("/settings/users/").status_code == 200
    assert client.get("/settings/teams/").status_code == 200


def test_create_admin_from_the_environment_is_idempotent_and_logs_in(monkeypatch):
    # given
    monkeypatch.setenv("PARLEY_ADMIN_USERNAME", "ops")
    monkeypatch.setenv("PARLEY_ADMIN_PASSWORD", "compose-password-9")
    monkeypatch.setenv("PARLEY_ADMIN_EMAIL", "ops@example.com")
    # when
    call_command("create_admin", "--from-env")
    call_command("create_admin", "--from-env")
    # then
    assert User.objects.filter(username="ops").count() == 1
    assert logs_in("ops", "compose-password-9")
    assert AuditEntry.objects.filter(kind="user.created", target_label__startswith="ops").count() == 1


def test_create_admin_without_a_username_in_the_environment_does_nothing(monkeypatch):
    # given
    monkeypatch.delenv("PARLEY_ADMIN_USERNAME", raising=False)
    # when
    call_command("create_admin", "--from-env")
    # then
    assert not User.objects.exists()


def test_create_admin_promotes_an_existing_agent_and_keeps_their_password(monkeypatch):
    # given
    make_user(username="sam", password="sams-password-1")
    monkeypatch.setenv("PARLEY_ADMIN_PASSWORD", "")
    # when
    call_command("create_admin", "--username", "sam", "--no-input")
    # then
    assert User.objects.get(username="sam").role == Role.ADMIN
    assert logs_in("sam", "sams-password-1")


def test_once_an_admin_exists_the_login_page_is_the_login_form():
    # given
    make_user(role=Role.ADMIN, username="admin")
    # when
    response = Client().get("/login/")
    # then
    assert "Log in to Parley" in response.content.decode()
