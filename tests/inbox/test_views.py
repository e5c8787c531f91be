import pytest
from django.urls import reverse

from accounts.models import Role
from inbox.actions import ingest_message
from inbox.models import Conversation, DeliveryState, Message
from tests.factories import make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_teams():
    team_a, team_b = make_team("A"), make_team("B")
    conv_a = ingest_message(inbound=make_inbound(channel=make_channel(team=team_a), text="from A")).conversation_id
    conv_b = ingest_message(inbound=make_inbound(channel=make_channel(team=team_b), text="from B")).conversation_id
    return team_a, team_b, conv_a, conv_b


def test_an_agent_sees_their_teams_conversation(client, two_teams):
    # given
    team_a, _, conv_a, _ = two_teams
    client.force_login(make_user(teams=[team_a]))
    # when
    response = client.get(reverse("inbox:conversation", args=[conv_a]))
    # then
    assert response.status_code == 200
    assert b"from A" in response.content


def test_an_agent_gets_404_for_another_teams_conversation(client, two_teams):
    # given
    team_a, _, _, conv_b = two_teams
    client.force_login(make_user(teams=[team_a]))
    # when
    response = client.get(reverse("inbox:conversation", args=[conv_b]))
    # then
    assert response.status_code == 404


def test_an_agent_cannot_reply_to_another_teams_conversation(client, two_teams):
    # given
    team_a, _, _, conv_b = two_teams
    client.force_login(make_user(teams=[team_a]))
    # when
    response = client.post(reverse("inbox:reply", args=[conv_b]), {"text": "hi", "visibility": "public", "idempotency_key": "k1"})
    # then
    assert response.status_code == 404
    assert not Message.objects.filter(direction="out").exists()


def test_the_queue_lists_only_the_agents_teams(client, two_teams):
    # given
    team_a, _, _, _ = two_teams
    client.force_login(make_user(teams=[team_a]))
    # when
    response = client.get(reverse("inbox:queue"))
    # then
    assert b"from A" in response.content
    assert b"from B" not in response.content


def test_a_supervisor_sees_the_teams_they_supervise(client, two_teams):
    # given
    _, team_b, _, conv_b = two_teams
    client.force_login(make_user(role=Role.SUPERVISOR, supervises=[team_b]))
    # when
    response = client.get(reverse("inbox:conversation", args=[conv_b]))
    # then
    assert response.status_code == 200


def test_an_admin_sees_every_team(client, two_teams):
    # given
    _, _, conv_a, conv_b = two_teams
    client.force_login(make_user(role=Role.ADMIN))
    # when
    statuses = [client.get(reverse("inbox:conversation", args=[c])).status_code for c in (conv_a, conv_b)]
    # then
    assert statuses == [200, 200]


def test_anonymous_visitors_are_sent_to_log_in(client, two_teams):
    # given
    _, _, conv_a, _ = two_teams
    # when
    response = client.get(reverse("inbox:conversation", args=[conv_a]))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_agent_cannot_open_channel_settings(client):
    # given
    client.force_login(make_user(teams=[make_team()]))
    # when
    response = client.get(reverse("channel_settings:list"))
    # then
    assert response.status_code == 404


def test_a_reply_is_stored_delivered_and_shown(client, two_teams, django_capture_on_commit_callbacks):
    # given
    team_a, _, conv_a, _ = two_teams
    agent = make_user(teams=[team_a])
    client.force_login(agent)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("inbox:reply", args=[conv_a]), {"text": "On its way!", "visibility": "public", "idempotency_key": "k-1"}
        )
    page = client.get(reverse("inbox:conversation", args=[conv_a]))
    # then
    reply = Message.objects.get(direction="out")
    assert reply.delivery_state == DeliveryState.DELIVERED
    assert reply.author_user == agent
    assert b"On its way!" in page.content and b"Delivered" in page.content
    assert Conversation.objects.get(pk=conv_a).assignee == agent


def test_a_double_submitted_reply_is_sent_once(client, two_teams):
    # given
    team_a, _, conv_a, _ = two_teams
    client.force_login(make_user(teams=[team_a]))
    form = {"text": "Once only", "visibility": "public", "idempotency_key": "same-key"}
    # when
    client.post(reverse("inbox:reply", args=[conv_a]), form)
    client.post(reverse("inbox:reply", args=[conv_a]), form)
    # then
    assert Message.objects.filter(direction="out", text="Once only").count() == 1


def test_customer_content_is_escaped(client):
    # given
    team = make_team()
    conv = ingest_message(
        inbound=make_inbound(channel=make_channel(team=team), text="<script>alert(1)</script><img src=x onerror=y>")
    ).conversation_id
    client.force_login(make_user(teams=[team]))
    # when
    page = client.get(reverse("inbox:conversation", args=[conv]))
    queue = client.get(reverse("inbox:queue"))
    # then
    assert b"<script>alert(1)" not in page.content and b"&lt;script&gt;alert(1)" in page.content
    assert b"<img src=x" not in queue.content


def test_pages_send_a_content_security_policy_without_unsafe_inline_scripts(client):
    # given
    client.force_login(make_user(teams=[make_team()]))
    # when
    response = client.get(reverse("inbox:queue"))
    # then
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
