"""The reports' CSV: one row per conversation of the period and filters, both clocks, defused
cells, and an audit entry saying who exported what."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEntry, Role
from inbox.actions import add_tag, ingest_message
from inbox.models import Conversation
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_event

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _conversation(channel, *, name, at, thread):
    with time_machine.travel(at, tick=False):
        result = ingest_message(
            inbound=make_inbound(channel=channel, thread_key=thread, at=at, author=make_author(display_name=name))
        )
    return Conversation.objects.get(pk=result.conversation_id)


def _rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_one_row_per_conversation_with_both_clocks_and_defused_cells(client):
    # given
    team = make_team("Support")
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[team])
    channel = make_channel(team=team, name="X support")
    at = NOW - timedelta(days=1)
    risky = _conversation(channel, name='=HYPERLINK("http://evil")', at=at, thread="a")
    plain = _conversation(channel, name="Maria", at=at + timedelta(hours=1), thread="b")
    _conversation(channel, name="Old", at=NOW - timedelta(days=40), thread="c")
    make_event(
        conversation=risky,
        metric="first_response",
        outcome="breached",
        at=at + timedelta(hours=3),
        business_seconds=1800,
        wall_seconds=10800,
    )
    make_event(
        conversation=risky,
        metric="resolution",
        outcome="achieved",
        at=at + timedelta(hours=5),
        business_seconds=3600,
        wall_seconds=18000,
    )
    add_tag(conversation=risky, name="refund", actor=None)
    add_tag(conversation=risky, name="delivery", actor=None)
    client.force_login(supervisor)
    # when
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("sla_reports:export"), {"period": "7"})
    rows = _rows(response)
    # then
    assert rows[0][:3] == ["id", "url", "channel"]
    assert [r[0] for r in rows[1:]] == [str(risky.pk), str(plain.pk)]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["customer"] == '\'=HYPERLINK("http://evil")'
    assert first["url"].endswith(f"/conversations/{risky.pk}/")
    assert (first["channel"], first["team"], first["priority"], first["status"]) == ("X support", "Support", "normal", "open")
    assert (first["first response, business seconds"], first["first response, real seconds"]) == ("1800", "10800")
    assert (first["resolution, business seconds"], first["resolution, real seconds"]) == ("3600", "18000")
    assert (first["breaches"], first["tags"]) == ("1", "delivery; refund")
    assert first["created"] == "2026-12-01T12:00:00+00:00"


def test_an_export_is_audited_and_never_holds_another_teams_conversations(client):
    # given
    mine, theirs = make_team("Mine"), make_team("Theirs")
    supervisor = make_user(role=Role.SUPERVISOR, supervises=[mine])
    _conversation(make_channel(team=mine), name="Ann", at=NOW - timedelta(hours=2), thread="a")
    _conversation(make_channel(team=theirs), name="Bo", at=NOW - timedelta(hours=2), thread="b")
    client.force_login(supervisor)
    # when
    with time_machine.travel(NOW, tick=False):
        rows = _rows(client.get(reverse("sla_reports:export"), {"period": "today", "team": theirs.pk}))
    # then
    assert [r[4] for r in rows[1:]] == ["Ann"]
    entry = AuditEntry.objects.get(kind="report.exported")
    assert entry.actor == supervisor and entry.after["period"] == "today"


def test_an_agent_cannot_export():
    # given
    from django.test import Client

    client = Client()
    client.force_login(make_user(teams=[make_team()]))
    # when
    status = client.get(reverse("sla_reports:export")).status_code
    # then
    assert status == 404
    assert not AuditEntry.objects.filter(kind="report.exported").exists()
