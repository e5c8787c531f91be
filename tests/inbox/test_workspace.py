"""The conversation page, replying, collision, canned responses, the customer page, assignment."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.actions import add_note, assign_conversation, ingest_message, send_reply, set_conversation_status
from inbox.assignment import assign_waiting
from inbox.inbound import Attachment
from inbox.models import CannedResponse, Conversation, ConversationEvent, Customer, Message
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def team():
    return make_team("Support")


@pytest.fixture
def agent(team):
    return make_user(teams=[team], username="alice")


@pytest.fixture
def conversation(team):
    channel = make_channel(team=team, name="X support", config={"flavor": "x"})
    result = ingest_message(inbound=make_inbound(channel=channel, text="My parcel is lost"))
    return Conversation.objects.get(pk=result.conversation_id)


def _reply(client, conversation, **data):
    form = {"text": "On it!", "visibility": "public", "idempotency_key": "key-1", "seen_outbound_id": "0", **data}
    return client.post(reverse("inbox:reply", args=[conversation.pk]), form, **HTMX)


def test_the_conversation_page_shows_the_thread_in_order_with_notes_attachments_and_timeline(client, agent, conversation):
    # given
    ingest_message(
        inbound=make_inbound(
            channel=conversation.channel,
            text="Here is the receipt",
            attachments=(Attachment(name="receipt.pdf", content_type="application/pdf", size=2048, url=""),),
        )
    )
    add_note(conversation=conversation, author=agent, text="Customer is a VIP")
    assign_conversation(conversation=conversation, assignee=agent, actor=agent)
    client.force_login(agent)
    # when
    html = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    # then
    assert html.index("My parcel is lost") < html.index("Here is the receipt") < html.index("Customer is a VIP")
    for text in ("receipt.pdf", "Internal note", "never sent", "X support", "Public", "Assigned"):
        assert text in html


def test_a_reply_is_queued_once_for_a_double_submitted_form(client, agent, conversation):
    # given
    client.force_login(agent)
    # when
    _reply(client, conversation)
    _reply(client, conversation)
    # then
    assert Message.objects.filter(conversation=conversation, direction="out").count() == 1


def test_the_composer_comes_back_empty_with_a_new_key_after_a_send(client, agent, conversation):
    # given
    client.force_login(agent)
    # when
    response = _reply(client, conversation)
    # then
    html = response.content.decode()
    assert "Reply queued" in html
    assert 'value="key-1"' not in html


def test_a_reply_the_channel_refuses_shows_why_and_queues_nothing(client, agent, conversation):
    # given
    client.force_login(agent)
    # when
    response = _reply(client, conversation, text="x" * 300)
    # then
    assert "280 characters" in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_the_composer_shows_the_channels_limits(client, agent, conversation):
    # given
    client.force_login(agent)
    # when
    html = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    # then
    assert 'data-max="280"' in html
    assert "At most 280 characters" in html


def test_a_private_reply_with_a_public_note_queues_both(client, agent, conversation):
    # given
    client.force_login(agent)
    # when
    _reply(client, conversation, visibility="private", public_note="We've sent you a DM.")
    # then
    sent = set(Message.objects.filter(direction="out").values_list("visibility", "text"))
    assert sent == {("private", "On it!"), ("public", "We've sent you a DM.")}


def test_sending_warns_when_another_agent_replied_since_the_page_was_opened(client, agent, conversation, team):
    # given
    seen = 0
    send_reply(
        conversation=conversation,
        author=make_user(teams=[team], username="bob"),
        text="Bob here",
        visibility="public",
        idempotency_key="bob-1",
    )
    client.force_login(agent)
    # when
    response = _reply(client, conversation, seen_outbound_id=str(seen))
    # then
    assert "bob" in response.content.decode()
    assert "Send anyway" in response.content.decode()
    assert not Message.objects.filter(author_user=agent).exists()


def test_send_anyway_sends_after_the_collision_warning(client, agent, conversation, team):
    # given
    send_reply(
        conversation=conversation,
        author=make_user(teams=[team], username="bob"),
        text="Bob here",
        visibility="public",
        idempotency_key="bob-1",
    )
    client.force_login(agent)
    # when
    _reply(client, conversation, confirm="on")
    # then
    assert Message.objects.filter(author_user=agent).count() == 1


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


@pytest.mark.parametrize(
    ("status", "event_kind", "expected_status"),
    [("pending", "status", "pending"), ("resolved", "status", "resolved")],
)
def test_status_actions_are_recorded(client, agent, conversation, status, event_kind, expected_status):
    # given
    client.force_login(agent)
    # when
    client.post(reverse("inbox:status", args=[conversation.pk]), {"status": status}, **HTMX)
    # then
    conversation.refresh_from_db()
    assert conversation.status == expected_status
    assert ConversationEvent.objects.filter(conversation=conversation, kind=event_kind, actor=agent).exists()


def test_reopening_a_resolved_conversation_is_recorded(client, agent, conversation):
    # given
    set_conversation_status(conversation=conversation, status="resolved", actor=agent)
    client.force_login(agent)
    # when
    client.post(reverse("inbox:status", args=[conversation.pk]), {"status": "open"}, **HTMX)
    # then
    assert ConversationEvent.objects.filter(conversation=conversation, kind="reopened").exists()


def test_assigning_to_another_agent_of_the_team(client, agent, conversation, team):
    # given
    bob = make_user(teams=[team], username="bob")
    client.force_login(agent)
    # when
    response = client.post(reverse("inbox:assign", args=[conversation.pk]), {"assignee": bob.pk}, **HTMX)
    # then
    conversation.refresh_from_db()
    assert conversation.assignee == bob
    assert 'id="conv-head" hx-swap-oob="true"' in response.content.decode()


def test_an_agent_of_another_team_cannot_be_assigned(client, agent, conversation):
    # given
    outsider = make_user(teams=[make_team("Elsewhere")])
    client.force_login(agent)
    # when
    response = client.post(reverse("inbox:assign", args=[conversation.pk]), {"assignee": outsider.pk}, **HTMX)
    # then
    assert response.status_code == 404
    assert Conversation.objects.get(pk=conversation.pk).assignee is None


def test_the_customer_page_lists_identities_and_conversations_newest_first(client, agent, conversation, team):
    # given
    mail = make_channel(team=team, name="Mail", config={"flavor": "email"})
    jo_mail = make_author(
        kind="sim-email",
        handle="jo@example.com",
        display_name="Jo",
        same_person_as=((conversation.identity.kind, conversation.identity.external_id),),
    )
    ingest_message(inbound=make_inbound(channel=mail, thread_key="mail-1", author=jo_mail, text="By mail", subject="Mail later"))
    client.force_login(agent)
    # when
    html = client.get(reverse("inbox:customer", args=[conversation.customer_id])).content.decode()
    # then
    assert "jo@example.com" in html and "@jo" in html
    assert html.index("Mail later") < html.index("My parcel is lost")


def test_customer_notes_are_editable(client, agent, conversation):
    # given
    client.force_login(agent)
    # when
    client.post(reverse("inbox:customer_notes", args=[conversation.customer_id]), {"notes": "Prefers email"})
    # then
    assert Customer.objects.get(pk=conversation.customer_id).notes == "Prefers email"


def test_the_same_name_on_another_channel_is_suggested_and_can_be_merged(client, agent, conversation, team):
    # given
    mail = make_channel(team=team, name="Mail", config={"flavor": "email"})
    other = Conversation.objects.get(
        pk=ingest_message(
            inbound=make_inbound(
                channel=mail,
                thread_key="m",
                author=make_author(kind="sim-email", handle="jo@example.com", display_name="Jo"),
            )
        ).conversation_id
    )
    client.force_login(agent)
    page = client.get(reverse("inbox:customer", args=[conversation.customer_id])).content.decode()
    # when
    client.post(
        reverse("inbox:customer_merge", args=[conversation.customer_id]), {"other": other.customer_id, "direction": "into_this"}
    )
    # then
    assert "same name on sim-email" in page
    assert Conversation.objects.get(pk=other.pk).customer_id == conversation.customer_id
    assert ConversationEvent.objects.filter(conversation=other, kind="merged").exists()


def test_the_same_email_address_is_suggested(client, agent, team):
    # given
    mail = make_channel(team=team, name="Mail", config={"flavor": "email"})
    first = ingest_message(
        inbound=make_inbound(
            channel=mail,
            thread_key="a",
            author=make_author(kind="sim-email", external_id="a-1", handle="sam@example.com", display_name="Sam"),
        )
    )
    second = ingest_message(
        inbound=make_inbound(
            channel=mail,
            thread_key="b",
            author=make_author(kind="email", external_id="sam@example.com", handle="sam@example.com", display_name="S. Berg"),
        )
    )
    customer_id = Conversation.objects.get(pk=first.conversation_id).customer_id
    client.force_login(agent)
    # when
    html = client.get(reverse("inbox:customer", args=[customer_id])).content.decode()
    # then
    other = Conversation.objects.get(pk=second.conversation_id).customer
    assert f'href="/customers/{other.pk}/"' in html
    assert "same email address" in html


# --- automatic assignment ---------------------------------------------------------------------------


def _online(user, capacity=10):
    User.objects.filter(pk=user.pk).update(last_seen_at=timezone.now(), capacity=capacity)


def _waiting(channel, n):
    return [
        Conversation.objects.get(
            pk=ingest_message(
                inbound=make_inbound(channel=channel, thread_key=f"w{i}", at=timezone.now() - timedelta(minutes=n - i))
            ).conversation_id
        )
        for i in range(n)
    ]


def test_auto_assignment_takes_turns_among_online_agents(team):
    # given
    team.auto_assign = True
    team.save()
    alice, bob = make_user(teams=[team]), make_user(teams=[team])
    offline = make_user(teams=[team])
    _online(alice)
    _online(bob)
    conversations = _waiting(make_channel(team=team), 4)
    # when
    assign_waiting(team_id=team.pk)
    # then
    owners = [Conversation.objects.get(pk=c.pk).assignee_id for c in conversations]
    assert owners.count(alice.pk) == 2 and owners.count(bob.pk) == 2
    assert offline.pk not in owners


def test_auto_assignment_respects_capacity_and_hands_out_the_most_urgent_first(team):
    # given
    team.auto_assign = True
    team.save()
    alice = make_user(teams=[team])
    _online(alice, capacity=1)
    conversations = _waiting(make_channel(team=team), 3)
    Conversation.objects.filter(pk=conversations[2].pk).update(sla_state="breached", sla_rank=0)
    # when
    assign_waiting(team_id=team.pk)
    # then
    assigned = list(Conversation.objects.filter(assignee=alice).values_list("pk", flat=True))
    assert assigned == [conversations[2].pk]


def test_resolving_frees_capacity_for_the_next_waiting_conversation(team, django_capture_on_commit_callbacks):
    # given
    team.auto_assign = True
    team.save()
    alice = make_user(teams=[team])
    _online(alice, capacity=1)
    first, second = _waiting(make_channel(team=team), 2)
    assign_waiting(team_id=team.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        set_conversation_status(conversation=Conversation.objects.get(pk=first.pk), status="resolved", actor=alice)
    # then
    assert Conversation.objects.get(pk=second.pk).assignee == alice


def test_a_team_without_auto_assign_is_left_alone(team):
    # given
    alice = make_user(teams=[team])
    _online(alice)
    _waiting(make_channel(team=team), 2)
    # when
    count = assign_waiting(team_id=team.pk)
    # then
    assert count == 0
    assert not Conversation.objects.filter(assignee__isnull=False).exists()


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


def test_a_failed_reply_shows_the_reason_and_a_retry_that_queues_it_again(client, agent, conversation):
    # given
    message = send_reply(conversation=conversation, author=agent, text="Hello", visibility="public", idempotency_key="f-1")
    Message.objects.filter(pk=message.pk).update(delivery_state="failed", delivery_error="X said: duplicate content")
    client.force_login(agent)
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    # when
    client.post(reverse("inbox:retry", args=[message.pk]), **HTMX)
    # then
    assert "X said: duplicate content" in page and "Retry" in page
    assert Message.objects.get(pk=message.pk).delivery_state == "queued"
