"""The audit log: logins and failures, secrets masked, filters by person, kind and date, CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEntry, Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_user(role=Role.ADMIN, username="root")


@pytest.fixture
def client(admin):
    c = Client()
    c.force_login(admin)
    return c


def test_a_login_and_a_failed_login_are_recorded_without_the_password_typed(admin):
    # when
    Client().post("/login/", {"username": "root", "password": "wrong-guess-123"}, REMOTE_ADDR="203.0.113.9")
    Client().post("/login/", {"username": "root", "password": "pw-12345678"}, REMOTE_ADDR="203.0.113.9")
    # then
    failed, succeeded = AuditEntry.objects.get(kind="login.failed"), AuditEntry.objects.get(kind="login.succeeded")
    assert (failed.target_label, failed.ip_address) == ("root", "203.0.113.9")
    assert "wrong-guess-123" not in str(failed.after) + str(failed.before)
    assert succeeded.actor == admin


def test_secrets_are_masked_and_only_changed_fields_are_kept(admin):
    # when
    entry = audit.record(
        "channel.updated",
        actor=admin,
        before={"name": "Mail", "smtp_password": "old-secret", "host": "a"},
        after={"name": "Mail", "smtp_password": "new-secret", "host": "b"},
    )
    # then
    assert entry.before == {"smtp_password": "••••••", "host": "a"}
    assert entry.after == {"smtp_password": "••••••", "host": "b"}


def test_the_log_filters_by_person_kind_and_date(client, admin):
    # given
    other = make_user(username="other", role=Role.ADMIN)
    audit.record("team.created", actor=admin, target_label="Support")
    audit.record("user.created", actor=other, target_label="Bob")
    old = audit.record("team.updated", actor=admin, target_label="Old change")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.now().date().isoformat()
    # when
    page = client.get("/settings/audit/", {"actor": admin.pk, "kind": "team", "since": today}).content.decode()
    # then
    assert "Support" in page
    assert "Bob" not in page and "Old change" not in page


def test_the_csv_export_has_every_filtered_entry_and_neutralises_formulas(client, admin):
    # given
    audit.record("team.created", actor=admin, target_label="=HYPERLINK(1)")
    # when
    response = client.get("/settings/audit/export.csv", {"kind": "team"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    # then
    assert rows[0][:3] == ["when (UTC)", "who", "kind"]
    assert [r[2] for r in rows[1:]] == ["team.created"]
    assert rows[1][3] == "'=HYPERLINK(1)"
    assert AuditEntry.objects.filter(kind="audit.exported").exists()


def test_agents_cannot_read_the_audit_log():
    # given
    client = Client()
    client.force_login(make_user(username="agent"))
    # then
    assert client.get("/settings/audit/").status_code == 404
    assert client.get("/settings/audit/export.csv").status_code == 404
