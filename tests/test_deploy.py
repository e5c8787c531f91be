import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_compose_file_names_the_production_services_with_health_checks():
    # given
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # when
    services = compose["services"]
    # then
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "email_idle" in services["mail-idle"]["command"]
    assert all("healthcheck" in services[name] for name in services)
    assert "daphne" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"PARLEY_DEV", "SECRET_KEY", "PARLEY_SECRET_KEYS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_KEYS = {
    "SECRET_KEY": "k7Qx-" + "9fT2vLr8pZ3mN6bW1cY4hJ0sD5gK" * 2,
    "PARLEY_SECRET_KEYS": "cGFybGV5LXRlc3QtcHJvZHVjdGlvbi1rZXktMzJieXQ=",
    "ALLOWED_HOSTS": "parley.example.com",
}


def test_production_refuses_to_start_with_the_repositorys_keys():
    # when
    no_keys = _manage("check")
    repo_key = _manage(
        "check", SECRET_KEY="insecure-dev-only-key-change-me", PARLEY_SECRET_KEYS=PRODUCTION_KEYS["PARLEY_SECRET_KEYS"]
    )
    # then
    assert no_keys.returncode != 0 and "Set SECRET_KEY" in no_keys.stderr
    assert repo_key.returncode != 0 and "development only" in repo_key.stderr


@pytest.mark.parametrize(
    "keys",
    [
        "cGFybGV5LXRlc3QtcHJvZHVjdGlvbi1rZXktMzJieXQ=, dGhpcy1pcy1hLWRldi1vbmx5LWtleS0zMmJ5dGVzISE=",
        " dGhpcy1pcy1hLWRldi1vbmx5LWtleS0zMmJ5dGVzISE=",
        "dGhpcy1pcy1hLWRldi1vbmx5LWtleS0zMmJ5dGVzISE=\n",
    ],
    ids=["second-after-comma-space", "leading-space", "trailing-newline"],
)
def test_the_repositorys_fernet_key_is_refused_however_it_is_written(keys):
    # given: Fernet reads a key with stray spaces as the same key, so it would decrypt with it
    env = {**PRODUCTION_KEYS, "PARLEY_SECRET_KEYS": keys}
    # when
    result = _manage("check", **env)
    # then
    assert result.returncode != 0 and "PARLEY_SECRET_KEYS" in result.stderr and "development only" in result.stderr


def test_a_key_that_is_not_a_fernet_key_stops_the_start_with_a_clear_message():
    # when
    result = _manage("check", **{**PRODUCTION_KEYS, "PARLEY_SECRET_KEYS": "not-a-fernet-key"})
    # then
    assert result.returncode != 0 and "not a Fernet key" in result.stderr


def test_keys_written_with_spaces_after_the_commas_all_work():
    # given
    second = "c2Vjb25kLXBhcmxleS1wcm9kdWN0aW9uLWtleS0zMmI="
    code = "from django.conf import settings as s; print(s.PARLEY_SECRET_KEYS)"
    # when
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        **{**PRODUCTION_KEYS, "PARLEY_SECRET_KEYS": f" {PRODUCTION_KEYS['PARLEY_SECRET_KEYS']} , {second}"},
    )
    # then
    assert result.stdout.strip() == str([PRODUCTION_KEYS["PARLEY_SECRET_KEYS"], second])


def test_the_deploy_check_is_clean_in_the_production_shape():
    # when
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_KEYS)
    # then
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_every_transport_security_setting_comes_from_the_environment():
    # given
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    # when
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        **PRODUCTION_KEYS,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="60",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    # then
    assert result.stdout.split() == ["False", "60", "False", "False", "('HTTP_X_FORWARDED_PROTO',", "'https')"]


@pytest.mark.django_db  # the login page first asks whether an admin exists
def test_websockets_may_connect_only_to_our_own_origin(client):
    # when
    policy = client.get("/login/")["Content-Security-Policy"]
    # then
    connect = next(d for d in policy.split(";") if d.strip().startswith("connect-src"))
    assert connect.split() == ["connect-src", "'self'"]


@override_settings(ALLOWED_HOSTS=["parley.example.com"], SECURE_SSL_REDIRECT=True)
def test_the_containers_health_check_is_answered_over_plain_http_to_127_0_0_1(client):
    # given: compose's check, curl -fsS http://127.0.0.1:8000/healthz, in the production shape
    # when
    health = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    other = client.get("/login/", HTTP_HOST="127.0.0.1:8000")
    # then
    assert (health.status_code, health.content) == (200, b"ok")
    assert other.status_code == 400  # every other path still checks the host
