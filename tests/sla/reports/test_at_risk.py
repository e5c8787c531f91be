"""The live at-risk list: breached and at-risk open conversations of the supervisor's teams, pushed as they change."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from inbox.actions import ingest_message, set_conversation_status
from inbox.models import Conversation
from sla.routing import websocket_urlpatterns
from sla.scoring import detect_due
from tests.factories import make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_policy

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
application = URLRouter(websocket_urlpatterns)


def _world():
    mine, theirs = make_team("Mine"), make_team("Theirs")
    make_policy(name="Fast", first_response_minutes=30)  # 24/7, warns at 80%: 24 minutes in
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[mine], username="sam")
    agent = make_user(teams=[mine], username="alice")
    channels = {team.name: make_channel(team=team, name=f"{team.name} on X") for team in (mine, theirs)}
    return supervisor, agent, channels


def _write(channel, text, thread_key):
    return ingest_message(inbound=make_inbound(channel=channel, text=text, thread_key=thread_key)).conversation_id


def _page(user):
    client = Client()
    client.force_login(user)
    return client.get(reverse("sla_reports:at_risk"))


@pytest.mark.django_db
def test_the_list_shows_breached_first_then_at_risk_of_the_supervisors_teams_only(django_capture_on_commit_callbacks):
    # given: one conversation breached, one at risk, one on track, and one breached on another team
    supervisor, agent, channels = _world()
    with time_machine.travel(START, tick=False), django_capture_on_commit_callbacks(execute=True):
        late = _write(channels["Mine"], "Still no parcel", "t1")
        foreign = _write(channels["Theirs"], "Theirs is late too", "t2")
    with time_machine.travel(START + timedelta(minutes=10), tick=False), django_capture_on_commit_callbacks(execute=True):
        close = _write(channels["Mine"], "Where is my refund", "t3")
    with time_machine.travel(START + timedelta(minutes=30), tick=False), django_capture_on_commit_callbacks(execute=True):
        fresh = _write(channels["Mine"], "Hello there", "t4")
    with time_machine.travel(START + timedelta(minutes=35), tick=False):
        detect_due()
        # when
        page = _page(supervisor)
        agent_status = _page(agent).status_code
    # then
    html = page.content.decode()
    assert [c.pk for c in page.context["rows"]] == [late, close]
    assert html.index(f'id="risk-{late}"') < html.index(f'id="risk-{close}"')
    assert f'id="risk-{foreign}"' not in html and f'id="risk-{fresh}"' not in html
    assert "Breached" in html and "At risk" in html
    assert agent_status == 404


@sync_to_async
def _setup_socket_world():
    supervisor, agent, channels = _world()
    with time_machine.travel(START, tick=False):
        conversation_id = _write(channels["Mine"], "My order never came", "t1")
        foreign_id = _write(channels["Theirs"], "Theirs", "t2")
    return supervisor, agent, conversation_id, foreign_id


async def _connect(user):
    communicator = WebsocketCommunicator(application, "/ws/sla/at-risk/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=3)
    return communicator, connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
async def test_a_conversation_turning_at_risk_is_pushed_to_its_supervisor_and_an_agent_is_refused():
    # given
    supervisor, agent, conversation_id, _ = await _setup_socket_world()
    watcher, connected = await _connect(supervisor)
    _, agent_connected = await _connect(agent)
    assert connected and not agent_connected
    # when: the detector runs past the warning instant (24 of 30 minutes)
    with time_machine.travel(START + timedelta(minutes=25), tick=False):
        await sync_to_async(detect_due)()
    # then
    message = await watcher.receive_json_from(timeout=5)
    assert message["kind"] == "at_risk" and message["count"] == 1
    assert f'id="risk-{conversation_id}"' in message["html"] and "At risk" in message["html"]
    assert "at risk" in message["said"]
    # and when the agent resolves it, it leaves the list
    await sync_to_async(_resolve)(conversation_id, supervisor)
    message = await watcher.receive_json_from(timeout=5)
    assert message["count"] == 0 and "Nothing at risk" in message["html"]
    await watcher.disconnect()


def _resolve(conversation_id, actor):
    with time_machine.travel(START + timedelta(minutes=26), tick=False):
        set_conversation_status(conversation=Conversation.objects.get(pk=conversation_id), status="resolved", actor=actor)


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
async def test_another_teams_conversation_never_reaches_the_supervisor():
    # given
    supervisor, _, _, foreign_id = await _setup_socket_world()
    watcher, _ = await _connect(supervisor)
    # when: the other team's conversation is breached
    with time_machine.travel(START + timedelta(minutes=31), tick=False):
        await sync_to_async(detect_due)()
    # then: the only push is about their own conversation, and it never names the other team's
    message = await watcher.receive_json_from(timeout=5)
    assert f'id="risk-{foreign_id}"' not in message["html"]
    assert await watcher.receive_nothing(timeout=1)
    await watcher.disconnect()
