"""The queue's keyset cursor: one text form, read back exactly, and pages that never skip or repeat a row."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from inbox import queue_selectors
from inbox.actions import ingest_message
from inbox.models import Conversation
from inbox.queue_cursor import QueueCursor
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "cursor",
    [
        QueueCursor(rank=1, due=datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC), waiting=None, pk=42),
        QueueCursor(rank=0, due=None, waiting=datetime(2026, 12, 1, 9, 0, tzinfo=UTC), pk=7),
        QueueCursor(rank=1, due=None, waiting=None, pk=9),
    ],
)
def test_a_cursor_reads_back_as_written(cursor):
    # given
    text = cursor.encode()
    # when
    read = QueueCursor.decode(text)
    # then
    assert read == cursor


@pytest.mark.parametrize("text", ["", "garbage", "1|not a time|9999-12-31T00:00:00+00:00|3", "x|2026-12-01T10:00:00+00:00|y|3"])
def test_a_cursor_that_is_not_ours_reads_as_none(text):
    # given / when
    read = QueueCursor.decode(text)
    # then
    assert read is None


def test_a_cursor_that_is_not_ours_shows_the_first_page():
    # given
    team = make_team()
    channel = make_channel(team=team)
    for i in range(3):
        ingest_message(inbound=make_inbound(channel=channel, thread_key=f"t{i}"))
    agent = make_user(teams=[team])
    # when
    page = queue_selectors.queue_rows(user=agent, filters=queue_selectors.QueueFilters(), after="tampered|with", limit=2)
    # then
    assert page.rows == queue_selectors.queue_rows(user=agent, filters=queue_selectors.QueueFilters(), limit=2).rows


def test_pages_through_ties_and_missing_times_visit_every_row_once_in_queue_order():
    # given: equal due times, equal waits, no SLA, answered (no wait), and a breach
    team = make_team()
    channel = make_channel(team=team)
    now = timezone.now()
    due = now + timedelta(minutes=30)
    waited = now - timedelta(minutes=10)
    shapes = [
        {"sla_rank": 1, "sla_due_at": due, "waiting_since": waited},
        {"sla_rank": 1, "sla_due_at": due, "waiting_since": waited},
        {"sla_rank": 1, "sla_due_at": due, "waiting_since": None},
        {"sla_rank": 1, "sla_due_at": None, "waiting_since": waited},
        {"sla_rank": 1, "sla_due_at": None, "waiting_since": None},
        {"sla_rank": 1, "sla_due_at": None, "waiting_since": None},
        {"sla_rank": 0, "sla_due_at": now - timedelta(minutes=1), "waiting_since": waited},
        {"sla_rank": 1, "sla_due_at": now + timedelta(minutes=5), "waiting_since": waited},
    ]
    ids = []
    for i, shape in enumerate(shapes):
        conversation_id = ingest_message(
            inbound=make_inbound(channel=channel, thread_key=f"s{i}", author=make_author())
        ).conversation_id
        Conversation.objects.filter(pk=conversation_id).update(**shape)
        ids.append(conversation_id)
    agent = make_user(teams=[team])
    queue = queue_selectors.QueueFilters()
    # when
    first = queue_selectors.queue_rows(user=agent, filters=queue, limit=3)
    second = queue_selectors.queue_rows(user=agent, filters=queue, after=first.next_cursor, limit=3)
    third = queue_selectors.queue_rows(user=agent, filters=queue, after=second.next_cursor, limit=3)
    # then: breached, sooner due, then by wait (missing last) and id, then no SLA the same way
    seen = [c.pk for c in first.rows + second.rows + third.rows]
    assert seen == [ids[i] for i in (6, 7, 0, 1, 2, 3, 4, 5)]
    assert third.next_cursor is None
