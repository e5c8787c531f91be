"""Login throttling as a person trying passwords sees it, and an admin's unlock."""

import pytest
from django.http import HttpResponse
from django.test import Client

from accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

WRONG = {"username": "maria", "password": "not-her-password"}
RIGHT = {"username": "maria", "password": "pw-12345678"}


def _try(client: Client, form: dict[str, str], times: int = 1) -> HttpResponse:
    for _ in range(times):
        response = client.post("/login/", form, REMOTE_ADDR="203.0.113.7")
    return response


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_a_clear_message():
    # given
    make_user(username="maria")
    client = Client()
    # when
    _try(client, WRONG, times=30)
    response = _try(client, RIGHT)
    # then
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_then_the_right_one_logs_in():
    # given
    make_user(username="maria")
    client = Client()
    # when
    _try(client, WRONG, times=4)
    response = _try(client, RIGHT)
    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_an_admin_sees_the_lockout_and_unlocks_it():
    # given
    make_user(username="maria")
    admin = make_user(role=Role.ADMIN, username="root")
    _try(Client(), WRONG, times=6)
    admin_client = Client()
    admin_client.force_login(admin)
    page = admin_client.get("/settings/security/lockouts/").content.decode()
    attempt_id = page.split("/settings/security/lockouts/")[1].split("/unlock/")[0]
    # when
    admin_client.post(f"/settings/security/lockouts/{attempt_id}/unlock/")
    response = _try(Client(), RIGHT)
    # then
    assert "maria" in page
    assert response.status_code == 302


def test_agents_cannot_see_lockouts():
    # given
    agent = make_user(role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    # when
    response = client.get("/settings/security/lockouts/")
    # then
    assert response.status_code == 404
