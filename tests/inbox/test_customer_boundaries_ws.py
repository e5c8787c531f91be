"""Team B's note never rides a websocket frame to team A's browsers.

The queue socket carries rendered rows; the conversation socket says "changed" and who is there
(the page then fetches its parts over HTTP, which test_customer_boundaries covers); notifications
are the user's own. All three are watched.
"""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from inbox.actions import ingest_message, merge_customers, update_customer_note
from inbox.models import Conversation
from inbox.routing import websocket_urlpatterns
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

application = URLRouter(websocket_urlpatterns)
MARKER = "B-ONLY-ws-41c2"


@sync_to_async
def _world():
    team_a, team_b = make_team("A"), make_team("B")
    author = make_author(external_id="jo-ws", display_name="Jo")
    channel_a, channel_b = make_channel(team=team_a), make_channel(team=team_b)
    a_id = ingest_message(inbound=make_inbound(channel=channel_a, thread_key="a", author=author)).conversation_id
    ingest_message(inbound=make_inbound(channel=channel_b, thread_key="b", author=author))
    bob = make_user(teams=[team_b], username="bob")
    return make_user(teams=[team_a], username="alice"), bob, team_b, channel_a, author, Conversation.objects.get(pk=a_id)


@sync_to_async
def _team_b_writes_and_jo_writes_again(bob, team_b, channel_a, author, conversation):
    update_customer_note(customer=conversation.customer, team=team_b, text=MARKER, shared=False, actor=bob)
    ingest_message(inbound=make_inbound(channel=channel_a, thread_key="a", author=author, text="Any news?"))
    other = ingest_message(inbound=make_inbound(channel=channel_a, thread_key="c", author=make_author(display_name="Jo")))
    merge_customers(source=Conversation.objects.get(pk=other.conversation_id).customer, target=conversation.customer, actor=None)


async def _frames_until_merged(communicator) -> list[str]:
    """Every frame up to the merge's push, the last of the writes above."""
    frames: list[str] = []
    while not frames or '"reason": "merged"' not in frames[-1]:
        frames.append(await communicator.receive_from(timeout=5))
    return frames


async def _frames_so_far(communicator) -> list[str]:
    frames: list[str] = []
    while not await communicator.receive_nothing(timeout=1):
        frames.append(await communicator.receive_from())
    return frames


async def test_no_frame_to_team_a_carries_team_bs_note():
    # given: alice has the queue, Jo's conversation and her notifications open
    alice, bob, team_b, channel_a, author, conversation = await _world()
    sockets = {
        path: WebsocketCommunicator(application, path)
        for path in ("/ws/queue/", f"/ws/conversations/{conversation.pk}/", "/ws/notifications/")
    }
    for communicator in sockets.values():
        communicator.scope["user"] = alice
        assert (await communicator.connect(timeout=3))[0]
    # when
    await _team_b_writes_and_jo_writes_again(bob, team_b, channel_a, author, conversation)
    frames = await _frames_until_merged(sockets["/ws/queue/"])
    others = {path: await _frames_so_far(c) for path, c in sockets.items() if path != "/ws/queue/"}
    # then
    assert len(frames) >= 3  # Jo's new message, the new conversation, the merge
    assert others[f"/ws/conversations/{conversation.pk}/"]  # the thread changed: at least its "changed"
    assert [f for f in frames + [f for fs in others.values() for f in fs] if MARKER in f] == []
    for communicator in sockets.values():
        await communicator.disconnect()
