"""Canned responses: found from the composer with placeholders filled; kept by supervisors and admins."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from inbox.actions import create_canned_response
from inbox.models import CannedResponse
from tests.factories import make_team, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_canned_responses_are_found_by_typing_with_placeholders_filled(client, agent, conversation, team):
    # given
    CannedResponse.objects.create(team=team, title="Lost parcel", body="Hi {{customer.name}}, {{ agent.name }} here.")
    CannedResponse.objects.create(team=make_team("Other"), title="Lost parcel elsewhere", body="not for you")
    client.force_login(agent)
    # when
    html = client.get(reverse("inbox:canned", args=[conversation.pk]), {"q": "parcel"}, **HTMX).content.decode()
    # then
    assert "Hi Jo, alice here." in html
    assert "not for you" not in html


def test_a_supervisor_adds_a_canned_response_for_their_team(client, team):
    # given
    supervisor = make_user(role="supervisor", supervises=[team])
    client.force_login(supervisor)
    # when
    client.post(reverse("inbox:canned_list"), {"team": team.pk, "title": "Thanks", "body": "Thanks {{customer.name}}!"})
    # then
    assert list(CannedResponse.objects.filter(team=team).values_list("title", flat=True)) == ["Thanks"]


def test_an_agent_cannot_manage_canned_responses(client, agent):
    # given
    client.force_login(agent)
    # when
    response = client.get(reverse("inbox:canned_list"))
    # then
    assert response.status_code == 404


def test_shared_starter_canned_responses_are_found_by_every_team(client, agent, conversation):
    # given
    client.force_login(agent)
    # when
    html = client.get(reverse("inbox:canned", args=[conversation.pk]), {"q": "order number"}, **HTMX).content.decode()
    # then
    assert "Could you share your order number, Jo?" in html


def test_the_list_shows_the_teams_and_the_shared_responses_but_not_another_teams(client, team):
    # given
    supervisor = make_user(role="supervisor", supervises=[team])
    create_canned_response(team=team, title="Ours", body="for us", actor=supervisor)
    create_canned_response(team=make_team("Other"), title="Theirs", body="not for us", actor=supervisor)
    client.force_login(supervisor)
    # when
    items = client.get(reverse("inbox:canned_list")).context["items"]
    # then
    titles = [c.title for c in items]
    assert "Ours" in titles
    assert "Theirs" not in titles
    assert any(c.team_id is None for c in items)


def test_a_supervisor_deletes_their_teams_canned_response(client, team):
    # given
    supervisor = make_user(role="supervisor", supervises=[team])
    canned = create_canned_response(team=team, title="Old", body="outdated", actor=supervisor)
    client.force_login(supervisor)
    # when
    response = client.post(reverse("inbox:canned_delete", args=[canned.pk]))
    # then
    assert response.status_code == 302
    assert not CannedResponse.objects.filter(pk=canned.pk).exists()


@pytest.mark.parametrize("owner", ["another team", "every team"])
def test_a_supervisor_cannot_delete_what_they_do_not_keep(client, team, owner):
    # given
    supervisor = make_user(role="supervisor", supervises=[team])
    teams = {"another team": make_team("Other"), "every team": None}
    canned = create_canned_response(team=teams[owner], title="Not yours", body="hands off", actor=supervisor)
    client.force_login(supervisor)
    # when
    response = client.post(reverse("inbox:canned_delete", args=[canned.pk]))
    # then
    assert response.status_code == 404
    assert CannedResponse.objects.filter(pk=canned.pk).exists()


def test_an_admin_deletes_a_shared_canned_response(client):
    # given
    admin = make_user(role="admin")
    canned = create_canned_response(team=None, title="Shared", body="for all", actor=admin)
    client.force_login(admin)
    # when
    client.post(reverse("inbox:canned_delete", args=[canned.pk]))
    # then
    assert not CannedResponse.objects.filter(pk=canned.pk).exists()


def test_an_admin_edits_a_canned_response_into_a_shared_one_and_the_log_has_both_versions(client, team):
    # given
    admin = make_user(role="admin")
    canned = create_canned_response(team=team, title="Thanks", body="Thanks!", actor=admin)
    client.force_login(admin)
    # when: Team left empty, as its help text offers
    client.post(reverse("inbox:canned_edit", args=[canned.pk]), {"team": "", "title": "Thank you", "body": "Thank you!"})
    # then
    canned.refresh_from_db()
    assert (canned.team, canned.title) == (None, "Thank you")
    entry = AuditEntry.objects.get(kind="canned.updated")
    assert entry.before == {"team": "Support", "title": "Thanks", "body": "Thanks!"}
    assert entry.after == {"team": None, "title": "Thank you", "body": "Thank you!"}


def test_a_supervisor_cannot_edit_another_teams_canned_response(client, team):
    # given
    other = create_canned_response(team=make_team("Other"), title="Theirs", body="x", actor=make_user(role="admin"))
    client.force_login(make_user(role="supervisor", supervises=[team]))
    # when
    response = client.post(reverse("inbox:canned_edit", args=[other.pk]), {"team": team.pk, "title": "Mine", "body": "y"})
    # then
    assert response.status_code == 404
    assert CannedResponse.objects.get(pk=other.pk).title == "Theirs"
