"""Absolute query counts on the inbox's hot paths, measured on PostgreSQL: adding a query fails here.

Ingest runs once per inbound message, the queue page and its live rows on every open queue, so a
query more on any of them is a cost paid thousands of times a minute. Each count is exact; when a
change needs one more, change the number here and say why in the commit.

The tests commit for real (transaction=True): inside a test's transaction every atomic block would
add a SAVEPOINT and its RELEASE to the count, which production does not pay. What a committed change
sets off (rescore, push, assignment) runs in a worker, off these paths; the rescore is pinned in
tests/sla/test_query_counts.py.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from inbox import ports, queue_selectors, selectors
from inbox.actions import add_note, assign_conversation, ingest_message, send_reply, set_conversation_priority
from inbox.inbound import Attachment
from inbox.models import Conversation
from inbox.queue_rendering import render_counts, render_queue_row
from tests.factories import make_author, make_channel, make_inbound

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def _postgresql_only(reason):
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=f"a PostgreSQL count: {reason}")


@pytest.fixture(autouse=True)
def _followups_elsewhere(monkeypatch, settings):
    """What follows a commit runs in a worker; here it does nothing, so only the path itself counts."""
    settings.REDIS_URL = ""
    monkeypatch.setitem(ports._provided, "change_worker", ports.ChangeWorker(handle=lambda *args: None, drain=lambda: None))


@pytest.fixture
def busy_queue(channel, agent, team):
    """A queue of several rows, assigned and not, of two channels, so a per-row query would show."""
    mail = make_channel(team=team, name="Mail", config={"flavor": "email"})
    conversations = [
        Conversation.objects.get(
            pk=ingest_message(
                inbound=make_inbound(
                    channel=(channel, mail)[i % 2],
                    thread_key=f"busy-{i}",
                    author=make_author(display_name=f"Customer {i}"),
                    at=timezone.now() - timedelta(minutes=i),
                )
            ).conversation_id
        )
        for i in range(6)
    ]
    assign_conversation(conversation=conversations[0], assignee=agent, actor=agent)
    set_conversation_priority(conversation=conversations[1], priority="urgent", actor=agent)
    return conversations


@_postgresql_only("SQLite tries no one-statement append first and takes no advisory lock")
def test_ingest_of_a_message_that_opens_a_new_conversation(django_assert_num_queries, channel):
    # given
    inbound = make_inbound(channel=channel, thread_key="new-thread", author=make_author(external_id="new-customer"))
    # when / then
    with django_assert_num_queries(16):
        result = ingest_message(inbound=inbound)
    assert result.conversation_created


@_postgresql_only("the one-statement append is PostgreSQL SQL; SQLite takes the general path")
def test_ingest_of_a_follow_up_on_an_open_thread_is_one_statement(django_assert_num_queries, channel):
    # given
    author = make_author(external_id="regular")
    ingest_message(inbound=make_inbound(channel=channel, thread_key="open-thread", author=author))
    follow_up = make_inbound(channel=channel, thread_key="open-thread", author=author, text="Any news?")
    # when / then
    with django_assert_num_queries(1):
        result = ingest_message(inbound=follow_up)
    assert result.created and not result.conversation_created


@_postgresql_only("SQLite reads the page without the transaction that scopes SET LOCAL")
def test_the_queue_page_for_an_agent(client, django_assert_num_queries, agent, busy_queue):
    # given
    client.force_login(agent)
    # when / then
    with django_assert_num_queries(10):  # the 10th: the tags in the filter bar
        response = client.get(reverse("inbox:queue"))
    assert response.content.count(b'class="row ') == len(busy_queue)


def test_one_queue_row_render(django_assert_num_queries, agent, busy_queue):
    # given: what the queue socket already holds for its user
    team_ids = selectors.visible_team_ids(user=agent)
    # when / then: the row with its channel, customer, identity and assignee in one statement
    with django_assert_num_queries(1):
        row = render_queue_row(user=agent, conversation_id=busy_queue[0].pk, team_ids=team_ids)
    assert row["kind"] == "row"


def test_the_live_push_of_one_changed_row_and_its_counts(django_assert_num_queries, agent, busy_queue):
    # given: what the queue socket already holds for its user
    team_ids = selectors.visible_team_ids(user=agent)
    channels = queue_selectors.queue_channels(team_ids=team_ids)
    filters = queue_selectors.QueueFilters()
    # when / then
    with django_assert_num_queries(2):
        row = render_queue_row(user=agent, conversation_id=busy_queue[0].pk, filters=filters, team_ids=team_ids)
        counts = render_counts(user=agent, filters=filters, team_ids=team_ids, channels=channels)
    assert row["kind"] == "row" and 'id="queue-counts"' in counts


def test_the_conversation_page(client, django_assert_num_queries, agent, busy_queue):
    # given: a thread with a reply, a note, an attachment and a few events
    conversation = busy_queue[0]
    ingest_message(
        inbound=make_inbound(
            channel=conversation.channel,
            thread_key=conversation.thread_key,
            author=make_author(external_id=conversation.identity.external_id),
            text="Here is the receipt",
            attachments=(Attachment(name="receipt.pdf", content_type="application/pdf", size=2048),),
        )
    )
    send_reply(conversation=conversation, author=agent, text="Thanks, looking", visibility="public", idempotency_key="q-1")
    add_note(conversation=conversation, author=agent, text="VIP")
    client.force_login(agent)
    # when / then: 9 for the thread, composer and timeline, 1 for the conversation's tags; 7 for the
    # side panel (the customer's accounts, their other conversations and the teams they are scoped
    # by; the notes the user may read: their teams serving the customer, their notes, shared notes)
    with django_assert_num_queries(17):
        response = client.get(reverse("inbox:conversation", args=[conversation.pk]))
    assert b"Here is the receipt" in response.content
