"""Notifications: who is told what, the bell and the list, and the live push to one user's pages."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from inbox.actions import add_note, assign_conversation, mark_notifications_read, notify
from inbox.models import Notification
from inbox.routing import websocket_urlpatterns
from tests.factories import make_team, make_user


@pytest.mark.django_db
def test_an_assignment_tells_the_assignee_unless_they_took_it_themselves(write, team, agent, committed):
    bob = make_user(teams=[team], username="bob")
    conversation = write("Where is my parcel?")
    with committed():
        assign_conversation(conversation=conversation, assignee=agent, actor=bob)
    (told,) = Notification.objects.filter(user=agent)
    assert (told.kind, told.conversation_id) == ("assigned", conversation.pk)
    assert "by bob" in told.text
    Notification.objects.all().delete()
    with committed():
        assign_conversation(conversation=conversation, assignee=bob, actor=bob)
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_an_at_mention_in_a_note_tells_that_teammate_only(write, team, agent, supervisor):
    make_user(teams=[team], username="bob")
    outsider = make_user(teams=[make_team("Other")], username="eve")
    conversation = write("Help please")
    add_note(conversation=conversation, author=agent, text="@bob can you look? @eve too. mail@bob.com is not a mention")
    assert list(Notification.objects.values_list("user__username", "kind")) == [("bob", "mention")]
    assert "alice mentioned you: @bob can you look?" in Notification.objects.get().text
    assert not Notification.objects.filter(user__in=[outsider, supervisor, agent]).exists()


@pytest.mark.django_db
def test_the_bell_and_the_list_show_unread_and_mark_read(client, write, agent):
    conversation = write("Hello")
    notify(users=[agent], kind="rule", conversation=conversation, text="Rule says: look at this")
    notify(users=[agent], kind="mention", conversation=conversation, text="bob mentioned you")
    client.force_login(agent)
    bell = client.get(reverse("inbox:notifications_bell")).content.decode()
    assert 'id="bell-count">2<' in bell
    page = client.get(reverse("inbox:notifications")).content.decode()
    assert "Rule says: look at this" in page and f"/conversations/{conversation.pk}/" in page
    client.post(reverse("inbox:notifications_read"))
    assert 'id="bell-count">0<' in client.get(reverse("inbox:notifications_bell")).content.decode()


@pytest.mark.django_db
def test_one_user_never_marks_or_sees_anothers_notifications(client, write, agent, supervisor):
    conversation = write("Hello")
    (theirs,) = notify(users=[supervisor], kind="rule", conversation=conversation, text="For Sam only")
    client.force_login(agent)
    assert "For Sam only" not in client.get(reverse("inbox:notifications")).content.decode()
    client.post(reverse("inbox:notifications_read"), {"id": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_the_breach_email_choice_is_saved(client, agent):
    client.force_login(agent)
    client.post(reverse("inbox:notifications_settings"), {"email_breaches": "on"})
    assert agent.notification_preference.email_breaches
    client.post(reverse("inbox:notifications_settings"), {})
    agent.notification_preference.refresh_from_db()
    assert not agent.notification_preference.email_breaches


application = URLRouter(websocket_urlpatterns)


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
async def test_a_notification_is_pushed_live_to_its_user_only():
    alice, bob = await sync_to_async(lambda: (make_user(username="alice"), make_user(username="bob")))()
    sockets = {}
    for user in (alice, bob):
        communicator = WebsocketCommunicator(application, "/ws/notifications/")
        communicator.scope["user"] = user
        connected, _ = await communicator.connect(timeout=3)
        assert connected
        sockets[user.username] = communicator
    # when
    await sync_to_async(lambda: notify(users=[alice], kind="rule", text="Loud complaint on X"))()
    # then
    pushed = await sockets["alice"].receive_json_from(timeout=3)
    assert (pushed["kind"], pushed["text"], pushed["unread"]) == ("notification", "Loud complaint on X", 1)
    assert await sockets["bob"].receive_nothing(timeout=0.5)
    # reading it updates the count on every page of hers
    await sync_to_async(lambda: mark_notifications_read(user=alice))()
    pushed = await sockets["alice"].receive_json_from(timeout=3)
    assert pushed["unread"] == 0 and "text" not in pushed
    for communicator in sockets.values():
        await communicator.disconnect()


async def test_an_anonymous_socket_is_refused():
    from django.contrib.auth.models import AnonymousUser

    communicator = WebsocketCommunicator(application, "/ws/notifications/")
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect(timeout=3)
    assert not connected
