"""An order number finds its conversation however it is written, in the message or the subject and in
the query ("#A-10492", "A-10492", "10492", "order 10492"), for an admin and for the team's agent, with
PostgreSQL's full-text index and with the portable scan the SQLite demo uses."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from demo.workspace import seed_demo
from inbox import search as finder
from inbox.actions import ingest_message
from inbox.models import Conversation, Message
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["full-text", "portable"])
def engine(request, monkeypatch):
    # The portable scan is what SQLite (the demo) runs; here it runs on the test database.
    if request.param == "portable":
        monkeypatch.setattr(finder, "full_text", lambda: False)
    return request.param


def _conversation(team, *, text, subject="", flavor="x"):
    channel = make_channel(team=team, config={"flavor": flavor})
    kind = "sim-email" if flavor == "email" else "sim-x"
    inbound = make_inbound(channel=channel, text=text, subject=subject, author=make_author(kind=kind))
    return Conversation.objects.get(pk=ingest_message(inbound=inbound).conversation_id)


def _found(user, query):
    return [hit.conversation.pk for hit in finder.search(user=user, query=query).conversations]


@pytest.mark.parametrize("query", ["#A-10492", "A-10492", "a10492", "10492", "order 10492", "Order #10492"])
def test_an_order_number_in_a_message_is_found_however_it_is_typed(engine, query):
    # given
    support, elsewhere = make_team("Support"), make_team("Elsewhere")
    agent = make_user(teams=[support])
    admin = make_user(role=Role.ADMIN)
    mine = _conversation(support, text="Hi, my parcel for #A-10492 is still not here")
    theirs = _conversation(elsewhere, text="Refund A-10492 please")
    _conversation(support, text="Order #110492 arrived fine, thanks")
    # when
    for_agent = _found(agent, query)
    for_admin = _found(admin, query)
    # then
    assert for_agent == [mine.pk]
    assert sorted(for_admin) == sorted([mine.pk, theirs.pk])


@pytest.mark.parametrize("query", ["20817", "#20817", "order 20817"])
def test_an_order_number_in_an_email_subject_is_found(engine, query):
    # given
    support = make_team("Support")
    agent = make_user(teams=[support])
    mail = _conversation(support, text="Hello, see the subject.", subject="Order 20817: wrong size", flavor="email")
    # when
    results = finder.search(user=agent, query=query)
    # then
    assert [hit.conversation.pk for hit in results.conversations] == [mail.pk]
    assert "<mark>20817</mark>" in results.conversations[0].title


def test_every_order_number_in_the_demo_finds_its_conversation(engine):
    # given the demo workspace, as a newcomer logs in to it
    seed_demo(history=30)
    admin = make_user(role=Role.ADMIN)
    numbers: dict[str, set[int]] = {}
    for message in Message.objects.filter(direction="in"):
        for number in re.findall(r"#(\d{4,})", message.text):
            numbers.setdefault(number, set()).add(message.conversation_id)
    assert len(numbers) >= 5
    # when / then
    for number, conversations in numbers.items():
        found = set(_found(admin, f"#{number}"))
        assert conversations <= found, number
        assert set(_found(admin, f"order {number}")) == found, number
