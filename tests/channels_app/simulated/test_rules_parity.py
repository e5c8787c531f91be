"""The simulated channels refuse exactly what the real connectors refuse: same conversation shape,
same text, same moment, compared answer for answer (the refusal's words, or none)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from channels_app.facebook.connector import FacebookConnector
from channels_app.simulated.connector import SimulatedConnector
from channels_app.x.connector import XConnector
from inbox.actions import ingest_message
from inbox.models import ChannelKind, Conversation
from inbox.ports import ReplyRefused
from tests.factories import make_author, make_channel, make_inbound

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
LINK = "https://example.com/orders/48213?ref=support"


def _answer(connector, conversation, *, text, visibility):
    try:
        connector.check_reply(conversation, text=text, visibility=visibility, options={})
    except ReplyRefused as refused:
        return str(refused)
    return None


def _conversation(channel, *, thread_key, visibility, age, kind):
    author = make_author(kind=kind, external_id="person-1", handle="@maria", display_name="Maria Khan")
    inbound = replace(
        make_inbound(channel=channel, thread_key=thread_key, visibility=visibility, at=NOW - age, author=author),
        raw={"kind": "comment"},
    )
    return Conversation.objects.get(pk=ingest_message(inbound=inbound).conversation_id)


X_CASES = [
    # (why, conversation visibility, reply visibility, text)
    ("150 CJK characters weigh 300", "public", "public", "漢" * 150),
    ("141 emoji weigh 282", "public", "public", "😀" * 141),
    ("140 emoji weigh 280", "public", "public", "😀" * 140),
    ("250 characters and a link weigh 274", "public", "public", "a" * 250 + " " + LINK),
    ("281 plain characters", "public", "public", "a" * 281),
    ("a public reply in a DM conversation", "private", "public", "hello"),
    ("a long DM", "private", "private", "a" * 10_001),
    ("a DM of 9,000 characters", "private", "private", "a" * 9_000),
]


@pytest.mark.parametrize(("why", "conv_visibility", "visibility", "text"), X_CASES, ids=[c[0] for c in X_CASES])
def test_simulated_x_answers_as_the_x_connector(why, conv_visibility, visibility, text):
    with time_machine.travel(NOW, tick=False):
        # given
        real = make_channel(kind=ChannelKind.X, config={"username": "brand"})
        simulated = make_channel(config={"flavor": "x"})
        conversations = [
            _conversation(c, thread_key="t-1", visibility=conv_visibility, age=timedelta(minutes=5), kind=k)
            for c, k in ((real, "x"), (simulated, "sim-x"))
        ]
        # when
        answers = [
            _answer(XConnector(real), conversations[0], text=text, visibility=visibility),
            _answer(SimulatedConnector(simulated), conversations[1], text=text, visibility=visibility),
        ]
    # then
    assert answers[0] == answers[1]


def test_the_x_cases_include_refusals_and_acceptances():
    # The parity above would hold trivially if both said the same nothing; the real one does refuse.
    with time_machine.travel(NOW, tick=False):
        real = make_channel(kind=ChannelKind.X, config={"username": "brand"})
        conversation = _conversation(real, thread_key="t-1", visibility="public", age=timedelta(minutes=5), kind="x")
        refusals = {why: _answer(XConnector(real), conversation, text=t, visibility=v) for why, _, v, t in X_CASES[:5]}
    assert refusals["150 CJK characters weigh 300"].endswith("this one has 300.")
    assert refusals["141 emoji weigh 282"].endswith("this one has 282.")
    assert refusals["140 emoji weigh 280"] is None
    assert refusals["250 characters and a link weigh 274"] is None


FACEBOOK_CASES = [
    # (why, thread key, conversation visibility, age of the customer's last message, reply visibility, expect refusal)
    ("Messenger within 24 hours", "messenger:psid-1", "private", timedelta(hours=2), "private", False),
    ("Messenger 3 days after the last message", "messenger:psid-1", "private", timedelta(days=3), "private", True),
    ("Messenger 6 days after the last message", "messenger:psid-1", "private", timedelta(days=6), "private", True),
    ("a public reply in Messenger", "messenger:psid-1", "private", timedelta(hours=2), "public", True),
    ("a private reply to a 2-day-old comment", "post-1", "public", timedelta(days=2), "private", False),
    ("a private reply to an 8-day-old comment", "post-1", "public", timedelta(days=8), "private", True),
    ("a public reply to an 8-day-old comment", "post-1", "public", timedelta(days=8), "public", False),
]


@pytest.mark.parametrize(
    ("why", "thread_key", "conv_visibility", "age", "visibility", "refused"), FACEBOOK_CASES, ids=[c[0] for c in FACEBOOK_CASES]
)
def test_simulated_facebook_answers_as_the_facebook_connector(why, thread_key, conv_visibility, age, visibility, refused):
    with time_machine.travel(NOW, tick=False):
        # given
        real = make_channel(kind=ChannelKind.FACEBOOK, config={"page_id": "1"})
        simulated = make_channel(config={"flavor": "facebook"})
        conversations = [
            _conversation(c, thread_key=thread_key, visibility=conv_visibility, age=age, kind=k)
            for c, k in ((real, "facebook"), (simulated, "sim-facebook"))
        ]
        # when
        answers = [
            _answer(FacebookConnector(real), conversations[0], text="We can help", visibility=visibility),
            _answer(SimulatedConnector(simulated), conversations[1], text="We can help", visibility=visibility),
        ]
        offered = [
            FacebookConnector(real).reply_limits(conversations[0])["visibilities"],
            SimulatedConnector(simulated).reply_limits(conversations[1])["visibilities"],
        ]
    # then
    assert answers[0] == answers[1]
    assert (answers[0] is not None) == refused
    assert offered[0] == offered[1]
