"""PostgreSQL search finds old and rare matches beneath many newer rows, and the newest first of common
ones, with each of its steps (the newest rows, the newest message blocks, the whole index) in play."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Role
from inbox import search_postgres
from inbox.actions import ingest_message
from inbox.models import Conversation, Message
from inbox.search import search
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL search indexes"),
]


def _conversation(channel, text, *, handle="@jo", name="Jo"):
    author = make_author(handle=handle, display_name=name)
    inbound = make_inbound(channel=channel, text=text, author=author, thread_key=author.external_id)
    return Conversation.objects.get(pk=ingest_message(inbound=inbound).conversation_id)


@pytest.fixture
def small_steps(monkeypatch):
    # Each step sees a few rows only, so a handful of rows stands for millions.
    monkeypatch.setattr(search_postgres, "WINDOW", 2)


def _skip_blocks(blocks):
    # Later messages get ids that many blocks on, as if millions had been written in between.
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('inbox_message', 'id'), GREATEST(max(id), 1) + %s) FROM inbox_message",
                       [blocks * search_postgres.BLOCK])  # fmt: skip


def test_an_old_order_number_and_an_old_customer_are_found_beneath_newer_ones(small_steps):
    # given an old conversation, then many newer ones far later
    support, elsewhere = make_team("Support"), make_team("Elsewhere")
    ours, theirs = make_channel(team=support), make_channel(team=elsewhere)
    old = _conversation(ours, "Where is order #A-77123?", handle="@ingridberg7", name="Ingrid Berg")
    _skip_blocks(40)
    for n in range(6):
        _conversation(ours, f"Order #{50000 + n} is late", handle=f"@someone{n}", name="Someone Else")
        _conversation(theirs, "Order #A-77123 is late too", handle=f"@other{n}", name="Ingrid Other")
    agent = make_user(teams=[support])
    # when
    by_number = search(user=agent, query="77123")
    by_name = search(user=agent, query="ingrid berg")
    # then
    assert [h.conversation.pk for h in by_number.conversations] == [old.pk]
    assert [h.customer.pk for h in by_name.customers] == [old.customer_id]


def test_a_common_word_brings_the_newest_conversations_first_for_an_admin(small_steps):
    # given
    channel = make_channel(team=make_team("Support"))
    _conversation(channel, "refund please, the oldest")
    _skip_blocks(5)
    newer = [_conversation(channel, f"refund number {n}", handle=f"@c{n}") for n in range(70)]
    admin = make_user(role=Role.ADMIN)
    # when
    results = search(user=admin, query="refund")
    # then the 20 newest, each with its message
    found = [h.conversation.pk for h in results.conversations]
    assert sorted(found, reverse=True) == sorted([c.pk for c in newer], reverse=True)[:20]
    assert Message.objects.filter(conversation_id__in=found, text__startswith="refund number").count() == 20
