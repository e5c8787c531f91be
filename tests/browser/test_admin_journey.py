"""A new operator, following the README: first admin by command, people and a team with automatic
assignment, an email channel on a real Dovecot, and every step in the audit log. In Chromium."""

from __future__ import annotations

from django.core.management import call_command

from accounts.models import AuditEntry, Role, Team, User
from inbox.models import Channel, ChannelStatus
from tests.browser.harness import BROWSER_MARKS, axe_violations, describe, open_page
from tests.channels_app.email.mailserver import dovecot, mailbox, smtp_server  # noqa: F401 - fixtures

pytestmark = BROWSER_MARKS


def _add_user(page, *, username: str, first: str, email: str, role: str) -> None:
    page.goto("/settings/users/new/")
    page.fill("[name=username]", username)
    page.fill("[name=first_name]", first)
    page.fill("[name=email]", email)
    page.select_option("[name=role]", role)
    page.click("#user-form button[type=submit]")
    page.wait_for_url("**/settings/users/*/")


def test_an_operator_sets_up_parley_from_the_first_admin_to_an_email_channel(
    browser,
    server,
    transactional_db,
    monkeypatch,
    mailbox,
    smtp_server,  # noqa: F811
):
    # given: a fresh install, which says how to create the first admin
    page = open_page(browser, server, None)
    page.goto("/login/")
    first_run = page.content()
    monkeypatch.setenv("PARLEY_ADMIN_USERNAME", "owner")
    monkeypatch.setenv("PARLEY_ADMIN_PASSWORD", "owner-password-1")
    monkeypatch.setenv("PARLEY_ADMIN_EMAIL", "owner@example.com")
    call_command("create_admin", "--from-env")

    # when: they log in and set up people, a team and a channel through the pages
    page.goto("/login/")
    page.fill("[name=username]", "owner")
    page.fill("[name=password]", "owner-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    _add_user(page, username="ann", first="Ann", email="ann@example.com", role="agent")
    _add_user(page, username="bob", first="Bob", email="bob@example.com", role="agent")
    _add_user(page, username="sue", first="Sue", email="sue@example.com", role="supervisor")

    page.goto("/settings/teams/new/")
    page.fill("[name=name]", "Support")
    page.click("#team-form button[type=submit]")
    page.wait_for_url("**/settings/teams/*/")
    page.get_by_label("Ann (Agent)").check()
    page.get_by_label("Bob (Agent)").check()
    page.locator("[name=supervisors]").and_(page.get_by_label("Sue")).check()
    page.click("#team-form button[type=submit]")
    page.get_by_label("Assign conversations automatically").check()
    page.get_by_label("Capacity of Ann").fill("3")
    page.get_by_label("Capacity of Bob").fill("5")
    page.click("#team-form button[type=submit]")
    team_page_violations = axe_violations(page)

    page.goto("/settings/channels/email/add/")
    page.fill("[name=name]", "Support mail")
    page.select_option("[name=team]", label="Support")
    for name, value in mailbox.config(smtp_port=smtp_server.port).items():
        if page.locator(f"[name={name}]").count():
            if page.locator(f"select[name={name}]").count():
                page.select_option(f"[name={name}]", str(value))
            else:
                page.fill(f"[name={name}]", str(value))
    page.fill("[name=imap_password]", mailbox.password)
    page.click("form.settings-form button[type=submit]")
    page.wait_for_url("**/settings/channels/email/*/")
    page.click("#email-connect")
    page.wait_for_load_state("networkidle")

    page.goto("/settings/audit/")
    log = page.locator("table.audit").inner_text()
    csv = page.request.get(server + "/settings/audit/export.csv").text()

    # then
    assert "manage.py create_admin" in first_run
    team = Team.objects.get(name="Support")
    assert set(team.members.values_list("username", flat=True)) == {"ann", "bob"}
    assert list(team.supervisors.values_list("username", flat=True)) == ["sue"]
    assert team.auto_assign
    assert dict(User.objects.filter(username__in=["ann", "bob"]).values_list("username", "capacity")) == {"ann": 3, "bob": 5}
    assert User.objects.get(username="sue").role == Role.SUPERVISOR
    channel = Channel.objects.get(name="Support mail")
    assert (channel.team, channel.status) == (team, ChannelStatus.ACTIVE)
    kinds = set(AuditEntry.objects.values_list("kind", flat=True))
    assert {"user.created", "login.succeeded", "team.created", "team.updated", "channel.created"} <= kinds
    for seen in (
        "login.succeeded",
        "user.created",
        "ann",
        "bob",
        "sue",
        "team.created",
        "Support",
        "channel.created",
        "Support mail",
        "auto_assign",
        "capacity",
    ):
        assert seen in log, f"{seen!r} missing from the audit log page"
    assert mailbox.password not in log and mailbox.password not in csv
    assert "team.updated" in csv and "channel.created" in csv
    assert not team_page_violations, describe(team_page_violations)
