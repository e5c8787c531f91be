"""/settings/users/: adding people, roles and teams, deactivating, set-password links by real SMTP."""

import re

import pytest
from django.test import Client

from accounts.models import AuditEntry, Role, User
from inbox.actions import assign_conversation, ingest_message
from inbox.models import Conversation, ConversationEvent
from tests.accounts.login import logs_in
from tests.channels_app.email.mailserver import smtp_server  # noqa: F401 - fixture
from tests.factories import make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_user(role=Role.ADMIN, username="root")


@pytest.fixture
def client(admin):
    c = Client()
    c.force_login(admin)
    return c


def test_an_admin_adds_a_supervisor_with_teams_and_the_log_says_so(client, admin):
    # given
    support, billing = make_team("Support"), make_team("Billing")
    # when
    response = client.post(
        "/settings/users/new/",
        {
            "username": "sue",
            "first_name": "Sue",
            "last_name": "Lee",
            "email": "sue@example.com",
            "role": "supervisor",
            "teams": [support.pk],
            "supervised_teams": [support.pk, billing.pk],
        },
    )
    # then
    sue = User.objects.get(username="sue")
    assert response.status_code == 302
    assert (sue.role, sue.display_name) == (Role.SUPERVISOR, "Sue Lee")
    assert set(sue.supervised_teams.values_list("name", flat=True)) == {"Support", "Billing"}
    assert not sue.has_usable_password()
    entry = AuditEntry.objects.get(kind="user.created")
    assert (entry.actor, entry.after["role"], entry.after["teams"]) == (admin, "supervisor", ["Support"])


def test_changing_a_role_is_recorded_with_before_and_after(client):
    # given
    ann = make_user(username="ann")
    # when
    client.post(f"/settings/users/{ann.pk}/", {"username": "ann", "role": "supervisor"})
    # then
    entry = AuditEntry.objects.get(kind="user.role_changed")
    assert (entry.before["role"], entry.after["role"]) == ("agent", "supervisor")


def test_an_agent_cannot_open_the_users_page():
    # given
    client = Client()
    client.force_login(make_user(username="agent"))
    # when
    response = client.get("/settings/users/")
    # then
    assert response.status_code == 404


def test_deactivating_an_agent_ends_their_login_and_returns_their_work_to_the_queue(client, django_capture_on_commit_callbacks):
    # given
    team = make_team("Support")
    bob = make_user(username="bob", teams=[team])
    channel = make_channel(team=team)
    conversation = Conversation.objects.get(pk=ingest_message(inbound=make_inbound(channel=channel)).conversation_id)
    assign_conversation(conversation=conversation, assignee=bob, actor=None)
    bob_client = Client()
    bob_client.force_login(bob)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/settings/users/{bob.pk}/deactivate/", follow=True)
    # then
    assert "1 conversation went back to the queue" in response.content.decode()
    assert Conversation.objects.get(pk=conversation.pk).assignee is None
    assert ConversationEvent.objects.filter(conversation=conversation, kind="assigned", data={"to": None}).exists()
    assert not logs_in("bob", "pw-12345678")
    assert bob_client.get("/").status_code == 302  # the open session no longer counts
    assert AuditEntry.objects.get(kind="user.deactivated").after["conversations_returned_to_queue"] == 1


def test_a_reactivated_user_logs_in_again(client):
    # given
    bob = make_user(username="bob")
    client.post(f"/settings/users/{bob.pk}/deactivate/")
    # when
    client.post(f"/settings/users/{bob.pk}/reactivate/")
    # then
    assert logs_in("bob", "pw-12345678")


def test_the_only_admin_cannot_deactivate_themselves(client, admin):
    # when
    response = client.post(f"/settings/users/{admin.pk}/deactivate/", follow=True)
    # then
    assert "cannot deactivate yourself" in response.content.decode()
    assert User.objects.get(pk=admin.pk).is_active


def test_a_set_password_link_goes_out_by_smtp_and_sets_a_password_that_logs_in(client, settings, smtp_server):  # noqa: F811
    # given
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = False
    client.post("/settings/users/new/", {"username": "nia", "email": "nia@example.com", "role": "agent", "send_link": "on"})
    # when
    ((_, recipients, body),) = smtp_server.handler.accepted
    link = re.search(rb"http://\S+/set-password/\S+/", body).group(0).decode()
    path = link.split("127.0.0.1:8000", 1)[1]
    newcomer = Client()
    form_page = newcomer.get(path, follow=True)
    newcomer.post(form_page.redirect_chain[-1][0], {"new_password1": "nias-new-password", "new_password2": "nias-new-password"})
    # then
    assert recipients == ["nia@example.com"]
    assert logs_in("nia", "nias-new-password")
    assert AuditEntry.objects.filter(kind="user.password_link_sent").exists()
    assert AuditEntry.objects.filter(kind="user.password_changed", actor__username="nia").exists()


def test_leaving_a_team_gives_back_that_teams_conversations_only(client, django_capture_on_commit_callbacks):
    # given
    support, billing = make_team("Support"), make_team("Billing")
    bob = make_user(username="bob", teams=[support, billing])
    mine = []
    for team in (support, billing):
        c = Conversation.objects.get(pk=ingest_message(inbound=make_inbound(channel=make_channel(team=team))).conversation_id)
        assign_conversation(conversation=c, assignee=bob, actor=None)
        mine.append(c)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/users/{bob.pk}/", {"username": "bob", "role": "agent", "teams": [billing.pk]})
    # then
    assert Conversation.objects.get(pk=mine[0].pk).assignee is None
    assert Conversation.objects.get(pk=mine[1].pk).assignee == bob


def test_a_user_changes_their_own_name_and_time_zone_and_sees_times_in_it():
    # given
    ann = make_user(username="ann")
    client = Client()
    client.force_login(ann)
    # when
    client.post("/settings/profile/", {"form": "profile", "first_name": "Ann", "last_name": "Berg", "time_zone": "Asia/Tokyo"})
    page = client.get("/settings/profile/").content.decode()
    # then
    ann.refresh_from_db()
    assert (ann.display_name, ann.time_zone) == ("Ann Berg", "Asia/Tokyo")
    assert "times in Asia/Tokyo" in page


def test_a_user_changes_their_own_password():
    # given
    ann = make_user(username="ann")
    client = Client()
    client.force_login(ann)
    # when
    client.post(
        "/settings/profile/",
        {"form": "password", "old_password": "pw-12345678", "new_password1": "another-pass-1", "new_password2": "another-pass-1"},
    )
    # then
    assert logs_in("ann", "another-pass-1")
    assert client.get("/settings/profile/").status_code == 200  # still logged in
    assert AuditEntry.objects.get(kind="user.password_changed").after == {"password": "••••••"}
