"""Login throttling as a person trying passwords sees it, and an admin's unlock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client, override_settings

from accounts import security
from accounts.models import AuditEntry, Role
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
    entry = AuditEntry.objects.get(kind="login.unlocked")
    assert (entry.actor_id, entry.target_label, entry.after["failures"]) == (
        admin.pk,
        "maria",
        5,
    )  # the sixth, refused unchecked, is not counted


def test_agents_cannot_see_lockouts():
    # given
    agent = make_user(role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    # when
    response = client.get("/settings/security/lockouts/")
    # then
    assert response.status_code == 404


PROXY = "10.0.0.2"  # the one reverse proxy in front of daphne; every request reaches us from it


def _via_proxy(client: Client, form: dict[str, str], *, forwarded_for: str) -> HttpResponse:
    return client.post("/login/", form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


@override_settings(PARLEY_PROXY_COUNT=1)
def test_behind_a_proxy_one_guesser_locks_out_only_their_own_address_and_username():
    # given
    make_user(username="maria")
    make_user(username="omar")
    # when: someone at 198.51.100.1 guesses maria's password, then omar logs in from elsewhere
    for _ in range(6):
        _via_proxy(Client(), WRONG, forwarded_for="198.51.100.1")
    omar = _via_proxy(Client(), {"username": "omar", "password": "pw-12345678"}, forwarded_for="198.51.100.2")
    # then
    assert omar.status_code == 302
    assert [(lock.username, lock.ip_address) for lock in security.current_lockouts()] == [("maria", "198.51.100.1")]


@override_settings(PARLEY_PROXY_COUNT=1)
def test_a_forwarded_for_header_written_by_the_client_does_not_escape_the_lockout():
    # given: the guesser puts a new address of their own in X-Forwarded-For each time; the proxy appends the real one
    make_user(username="omar")
    for n in range(5):
        _via_proxy(Client(), {"username": f"guess{n}", "password": "x"}, forwarded_for=f"192.0.2.{n}, 198.51.100.1")
    # when
    response = _via_proxy(Client(), {"username": "omar", "password": "pw-12345678"}, forwarded_for="192.0.2.99, 198.51.100.1")
    # then
    assert response.status_code == 429
    assert set(AuditEntry.objects.filter(kind="login.failed").values_list("ip_address", flat=True)) == {"198.51.100.1"}


@override_settings(AXES_COOLOFF_TIME=timedelta(minutes=15))
def test_the_lockout_ends_when_the_page_says_even_for_someone_who_keeps_trying():
    # given: five wrong passwords at 09:00, then maria tries her right one every minute
    make_user(username="maria")
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        _try(Client(), WRONG, times=5)
        refused = []
        for _ in range(14):
            clock.shift(60)
            refused.append(_try(Client(), RIGHT).status_code)
        # when: 15 minutes and a second after the last wrong password
        clock.shift(61)
        response = _try(Client(), RIGHT)
    # then
    assert refused == [429] * 14
    assert response.status_code == 302
