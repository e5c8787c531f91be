"""Websockets: live rows only to the team's browsers, presence and typing between agents."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from inbox.actions import assign_conversation, ingest_message
from inbox.models import Conversation
from inbox.routing import websocket_urlpatterns
from tests.factories import make_channel, make_inbound, make_team, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

application = URLRouter(websocket_urlpatterns)


async def _connect(user, path):
    communicator = WebsocketCommunicator(application, path)
    communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=3)
    return communicator, connected


@sync_to_async
def _setup():
    team_a, team_b = make_team("A"), make_team("B")
    channel_a = make_channel(team=team_a, name="A on X")
    return {
        "alice": make_user(teams=[team_a], username="alice"),
        "bob": make_user(teams=[team_a], username="bob"),
        "outsider": make_user(teams=[team_b], username="eve"),
        "channel_a": channel_a,
    }


@sync_to_async
def _ingest(channel, text, thread_key="t1"):
    return ingest_message(inbound=make_inbound(channel=channel, text=text, thread_key=thread_key)).conversation_id


@sync_to_async
def _assign(conversation_id, user):
    assign_conversation(conversation=Conversation.objects.get(pk=conversation_id), assignee=user, actor=user)


async def test_a_new_inbound_reaches_the_teams_queue_as_a_rendered_row():
    # given
    world = await _setup()
    alice, _ = await _connect(world["alice"], "/ws/queue/")
    # when
    conversation_id = await _ingest(world["channel_a"], "Where is my parcel?")
    # then
    message = await alice.receive_json_from(timeout=3)
    assert (message["kind"], message["id"]) == ("row", conversation_id)
    assert "Where is my parcel?" in message["html"]
    assert 'id="queue-counts"' in message["counts"]
    await alice.disconnect()


async def test_an_agent_of_another_team_receives_none_of_its_events():
    # given
    world = await _setup()
    eve, _ = await _connect(world["outsider"], "/ws/queue/")
    # when
    await _ingest(world["channel_a"], "Secret of team A")
    # then
    assert await eve.receive_nothing(timeout=1.0)
    await eve.disconnect()


async def test_an_agent_of_another_team_cannot_open_its_conversation_socket():
    # given
    world = await _setup()
    conversation_id = await _ingest(world["channel_a"], "Secret of team A")
    # when
    _, connected = await _connect(world["outsider"], f"/ws/conversations/{conversation_id}/")
    # then
    assert not connected


async def test_a_mine_queue_drops_a_row_assigned_to_someone_else():
    # given
    world = await _setup()
    conversation_id = await _ingest(world["channel_a"], "hello")
    alice, _ = await _connect(world["alice"], "/ws/queue/?scope=mine")
    # when
    await _assign(conversation_id, world["bob"])
    # then
    message = await alice.receive_json_from(timeout=3)
    assert (message["kind"], message["id"]) == ("remove", conversation_id)
    await alice.disconnect()


async def test_a_second_agent_sees_who_is_viewing_and_who_is_typing():
    # given
    world = await _setup()
    conversation_id = await _ingest(world["channel_a"], "hello")
    path = f"/ws/conversations/{conversation_id}/"
    alice, _ = await _connect(world["alice"], path)
    bob, _ = await _connect(world["bob"], path)
    # when
    joined = await alice.receive_json_from(timeout=3)
    already_here = await bob.receive_json_from(timeout=3)
    await bob.send_json_to({"type": "typing"})
    typing = await alice.receive_json_from(timeout=3)
    # then
    assert (joined["action"], joined["name"]) == ("join", "bob")
    assert (already_here["action"], already_here["name"]) == ("here", "alice")
    assert (typing["action"], typing["name"]) == ("typing", "bob")
    await alice.disconnect()
    await bob.disconnect()


async def test_a_conversation_page_hears_that_its_thread_changed():
    # given
    world = await _setup()
    conversation_id = await _ingest(world["channel_a"], "hello")
    alice, _ = await _connect(world["alice"], f"/ws/conversations/{conversation_id}/")
    # when
    await _ingest(world["channel_a"], "one more thing")
    # then
    assert (await alice.receive_json_from(timeout=3))["kind"] == "changed"
    await alice.disconnect()
