"""The conversation page, replying, collision, the customer page."""

import pytest
from django.urls import reverse

from inbox.actions import add_note, assign_conversation, ingest_message, send_reply, set_conversation_status
from inbox.inbound import Attachment
from inbox.models import Conversation, ConversationEvent, CustomerNote, Message
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


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
    for text in ("receipt.pdf", "Internal note", "never sent", "X support", "Public", f"{agent.display_name} took it"):
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


def test_once_resolved_the_header_leads_to_the_top_of_the_queue_or_says_it_is_empty(client, agent, conversation, channel):
    # given another open conversation waiting in the queue
    waiting = ingest_message(
        inbound=make_inbound(channel=channel, text="Still there?", thread_key="other", author=make_author(display_name="Ann"))
    ).conversation_id
    client.force_login(agent)
    # when
    resolved = client.post(reverse("inbox:status", args=[conversation.pk]), {"status": "resolved"}, **HTMX).content.decode()
    client.post(reverse("inbox:status", args=[waiting]), {"status": "resolved"}, **HTMX)
    last = client.get(reverse("inbox:conversation", args=[waiting])).content.decode()
    # then
    assert f'href="/conversations/{waiting}/" id="next-conversation"' in resolved
    assert 'id="next-conversation"' not in last and "Nothing else is waiting in your queue." in last


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


def test_a_teams_customer_note_is_editable(client, agent, conversation, team):
    # given
    client.force_login(agent)
    # when
    client.post(reverse("inbox:customer_notes", args=[conversation.customer_id]), {"team": team.pk, "text": "Prefers email"})
    # then
    assert CustomerNote.objects.get(customer_id=conversation.customer_id, team=team).text == "Prefers email"
    assert "Prefers email" in client.get(reverse("inbox:customer", args=[conversation.customer_id])).content.decode()


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
    client.post(reverse("inbox:customer_merge", args=[conversation.customer_id]), {"other": other.customer_id, "keep": "this"})
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
