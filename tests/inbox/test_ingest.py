import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inbox.actions import IngestError, ingest_message, set_conversation_status
from inbox.models import Conversation, ConversationEvent, ConversationStatus, Customer, Identity, Message
from tests.factories import make_author, make_channel, make_inbound

pytestmark = pytest.mark.django_db


def test_first_message_creates_customer_identity_conversation_and_message():
    # given
    channel = make_channel()
    inbound = make_inbound(channel=channel, author=make_author(external_id="42", handle="@jo", display_name="Jo Lind"))
    # when
    result = ingest_message(inbound=inbound)
    # then
    assert result.created and result.conversation_created
    conversation = Conversation.objects.get(pk=result.conversation_id)
    assert conversation.customer.name == "Jo Lind"
    assert conversation.identity.handle == "@jo"
    assert conversation.status == ConversationStatus.OPEN
    assert conversation.team_id == channel.team_id
    assert conversation.last_inbound_at == inbound.platform_time
    assert conversation.waiting_since == inbound.platform_time
    assert list(conversation.messages.values_list("text", flat=True)) == ["Where is my order?"]
    assert ConversationEvent.objects.filter(conversation=conversation, kind="created").count() == 1


def test_the_same_message_twice_is_stored_once():
    # given
    channel = make_channel()
    inbound = make_inbound(channel=channel, external_id="tweet-1")
    ingest_message(inbound=inbound)
    # when
    second = ingest_message(inbound=inbound)
    # then
    assert not second.created
    assert Message.objects.filter(channel=channel, external_id="tweet-1").count() == 1


def test_same_external_id_on_another_channel_is_a_different_message():
    # given
    first, second = make_channel(), make_channel()
    ingest_message(inbound=make_inbound(channel=first, external_id="1"))
    # when
    result = ingest_message(inbound=make_inbound(channel=second, external_id="1"))
    # then
    assert result.created
    assert Message.objects.filter(external_id="1").count() == 2


@pytest.mark.parametrize("field", ["channel", "external_id"])
def test_input_without_channel_or_external_id_is_refused_and_leaves_nothing(field):
    # given
    channel = make_channel()
    inbound = make_inbound(channel=None if field == "channel" else channel, external_id="" if field == "external_id" else None)
    # when
    with pytest.raises(IngestError, match="needs"):
        ingest_message(inbound=inbound)
    # then
    assert (Message.objects.count(), Conversation.objects.count(), Customer.objects.count()) == (0, 0, 0)


def test_a_known_account_is_the_same_customer_on_the_next_conversation():
    # given
    channel = make_channel()
    author = make_author(external_id="7")
    ingest_message(inbound=make_inbound(channel=channel, author=author, thread_key="a"))
    # when
    ingest_message(inbound=make_inbound(channel=channel, author=author, thread_key="b"))
    # then
    assert Customer.objects.count() == 1
    assert Identity.objects.count() == 1
    assert Conversation.objects.count() == 2


def test_an_account_linked_to_another_joins_that_customer():
    # given
    x_channel, email_channel = make_channel(), make_channel(config={"flavor": "email"})
    ingest_message(inbound=make_inbound(channel=x_channel, author=make_author(kind="sim-x", external_id="x-1")))
    # when
    ingest_message(
        inbound=make_inbound(
            channel=email_channel,
            author=make_author(kind="sim-email", external_id="e-1", same_person_as=(("sim-x", "x-1"),)),
        )
    )
    # then
    assert Customer.objects.count() == 1
    assert Customer.objects.get().identities.count() == 2


def test_messages_with_the_same_thread_key_join_one_conversation():
    # given
    channel = make_channel()
    first = ingest_message(inbound=make_inbound(channel=channel, thread_key="t"))
    # when
    second = ingest_message(inbound=make_inbound(channel=channel, thread_key="t", text="Any update?"))
    # then
    assert second.conversation_id == first.conversation_id
    assert not second.conversation_created
    assert Conversation.objects.get(pk=first.conversation_id).last_message_preview == "Any update?"


def test_a_resolved_conversation_reopens_within_the_window():
    # given
    channel = make_channel()
    first = ingest_message(inbound=make_inbound(channel=channel, thread_key="t"))
    conversation = Conversation.objects.get(pk=first.conversation_id)
    set_conversation_status(conversation=conversation, status=ConversationStatus.RESOLVED, actor=None)
    Conversation.objects.filter(pk=conversation.pk).update(resolved_at=timezone.now() - timedelta(days=6))
    # when
    again = ingest_message(inbound=make_inbound(channel=channel, thread_key="t"))
    # then
    assert again.conversation_id == conversation.pk
    assert Conversation.objects.get(pk=conversation.pk).status == ConversationStatus.OPEN
    assert ConversationEvent.objects.filter(conversation=conversation, kind="reopened").exists()


def test_a_conversation_resolved_longer_ago_than_the_window_starts_a_new_one():
    # given
    channel = make_channel()
    first = ingest_message(inbound=make_inbound(channel=channel, thread_key="t"))
    conversation = Conversation.objects.get(pk=first.conversation_id)
    set_conversation_status(conversation=conversation, status=ConversationStatus.RESOLVED, actor=None)
    Conversation.objects.filter(pk=conversation.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    # when
    again = ingest_message(inbound=make_inbound(channel=channel, thread_key="t"))
    # then
    assert again.conversation_created
    assert again.conversation_id != conversation.pk
    assert Conversation.objects.get(pk=conversation.pk).status == ConversationStatus.RESOLVED


def test_a_customer_message_on_a_pending_conversation_reopens_it():
    # given
    channel = make_channel()
    first = ingest_message(inbound=make_inbound(channel=channel, thread_key="t"))
    conversation = Conversation.objects.get(pk=first.conversation_id)
    set_conversation_status(conversation=conversation, status=ConversationStatus.PENDING, actor=None)
    # when
    ingest_message(inbound=make_inbound(channel=channel, thread_key="t"))
    # then
    assert Conversation.objects.get(pk=conversation.pk).status == ConversationStatus.OPEN


def test_a_brand_echo_is_recorded_as_outbound_in_the_existing_thread():
    # given
    channel = make_channel()
    first = ingest_message(inbound=make_inbound(channel=channel, thread_key="t"))
    # when
    echo = ingest_message(inbound=make_inbound(channel=channel, thread_key="t", direction="out", text="We're on it"))
    # then
    message = Message.objects.get(pk=echo.message_id)
    assert message.direction == "out"
    assert message.author_identity is None
    assert Conversation.objects.get(pk=first.conversation_id).waiting_since is None
    assert Customer.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_yield_exactly_one_row():
    # given
    channel = make_channel()
    inbound = make_inbound(channel=channel, external_id="dup-1", thread_key="new-thread")
    barrier = threading.Barrier(4)
    results, errors = [], []

    def ingest() -> None:
        try:
            barrier.wait()
            results.append(ingest_message(inbound=inbound))
        except Exception as error:  # collected so the assertion below shows it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest) for _ in range(4)]
    # when
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert errors == []
    assert sum(r.created for r in results) == 1
    assert Message.objects.filter(external_id="dup-1").count() == 1
    assert Conversation.objects.count() == 1
    assert Customer.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_new_messages_of_one_new_thread_open_one_conversation():
    # given
    channel = make_channel()
    author = make_author(external_id="same-person")
    inbounds = [make_inbound(channel=channel, external_id=f"m-{i}", thread_key="fresh", author=author) for i in range(4)]
    barrier = threading.Barrier(4)
    errors = []

    def ingest(inbound) -> None:
        try:
            barrier.wait()
            ingest_message(inbound=inbound)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest, args=(i,)) for i in inbounds]
    # when
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert errors == []
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 4
    assert Identity.objects.count() == 1


def test_a_changed_profile_is_updated_when_the_customer_writes_again():
    # given
    channel = make_channel()
    ingest_message(inbound=make_inbound(channel=channel, author=make_author(external_id="9", handle="@old")))
    # when
    again = ingest_message(inbound=make_inbound(channel=channel, author=make_author(external_id="9", handle="@new")))
    # then
    assert Identity.objects.get(external_id="9").handle == "@new"
    assert Conversation.objects.get(pk=again.conversation_id).messages.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_follow_up_outside_any_transaction_is_stored_once_and_updates_the_thread():
    # given
    channel = make_channel()
    author = make_author(external_id="55")
    first = ingest_message(inbound=make_inbound(channel=channel, thread_key="t", author=author, text="first"))
    follow_up = make_inbound(channel=channel, thread_key="t", author=author, text="second")
    # when
    results = [ingest_message(inbound=follow_up), ingest_message(inbound=follow_up)]
    # then
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert [r.created for r in results] == [True, False]
    assert conversation.last_message_preview == "second"
    assert conversation.messages.count() == 2
