"""The one path from a write to what follows it: announced after commit, then rescore, push, assign by reason."""

import json
import uuid
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import transaction

from inbox import assignment, changes, events, followups, ports
from inbox.actions import (
    add_note,
    assign_conversation,
    ingest_message,
    record_bounce,
    record_delivery_receipts,
    record_reply_sent,
    send_reply,
    set_conversation_priority,
    set_conversation_status,
)
from tests.factories import make_author, make_channel, make_inbound

pytestmark = pytest.mark.django_db


@dataclass
class Effects:
    """What followups.handle() set off, in order."""

    rescored: list[int] = field(default_factory=list)
    pushed: list[tuple[int, str]] = field(default_factory=list)
    assigned: list[int] = field(default_factory=list)


@pytest.fixture
def effects(monkeypatch):
    seen = Effects()
    monkeypatch.setitem(ports._provided, "rescore", seen.rescored.append)
    monkeypatch.setattr(
        events, "push_now", lambda *, conversation_id, team_id, reason: seen.pushed.append((conversation_id, reason))
    )
    monkeypatch.setattr(assignment, "assign_waiting", lambda *, team_id: seen.assigned.append(team_id))
    return seen


@pytest.fixture(autouse=True)
def _own_change_list(settings):
    """A change list of this test's own, so no other test's leftovers reach its drain."""
    settings.PARLEY_RUN_ID = f"{settings.PARLEY_RUN_ID}-changes-{uuid.uuid4().hex[:8]}"


def test_a_change_reaches_the_worker_only_after_its_transaction_commits(
    django_capture_on_commit_callbacks, effects, conversation, agent
):
    # given
    pushed_before_commit = []
    # when
    with django_capture_on_commit_callbacks(execute=True):
        add_note(conversation=conversation, author=agent, text="Checking with the warehouse")
        pushed_before_commit.extend(effects.pushed)
    # then
    assert pushed_before_commit == []
    assert effects.pushed == [(conversation.pk, "note")]


def test_a_rolled_back_write_announces_nothing(django_capture_on_commit_callbacks, effects, conversation, agent):
    # given
    failure = RuntimeError("the rest of the request failed")
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            set_conversation_status(conversation=conversation, status="pending", actor=agent)
            raise failure
    # then
    assert callbacks == []
    assert effects == Effects()


def _note(conversation, agent):
    add_note(conversation=conversation, author=agent, text="VIP customer")


def _pending(conversation, agent):
    set_conversation_status(conversation=conversation, status="pending", actor=agent)


def _urgent(conversation, agent):
    set_conversation_priority(conversation=conversation, priority="urgent", actor=agent)


def _assign(conversation, agent):
    assign_conversation(conversation=conversation, assignee=agent, actor=agent)


def _follow_up(conversation, agent):
    author = make_author(external_id=conversation.identity.external_id)
    ingest_message(inbound=make_inbound(channel=conversation.channel, thread_key=conversation.thread_key, author=author))


@pytest.mark.parametrize(
    ("write", "reason", "rescores", "assigns"),
    [
        (_note, "note", False, False),
        (_pending, "status", True, True),
        (_urgent, "priority", True, False),
        (_assign, "assigned", False, True),
        (_follow_up, "message", True, False),
    ],
)
def test_the_reason_table_decides_what_a_committed_change_sets_off(
    django_capture_on_commit_callbacks, effects, conversation, agent, write, reason, rescores, assigns
):
    # given
    expected = Effects(
        rescored=[conversation.pk] * rescores,
        pushed=[(conversation.pk, reason)],
        assigned=[conversation.team_id] * assigns,
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        write(conversation, agent)
    # then
    assert effects == expected


def _sent_reply(conversation, agent):
    reply = send_reply(conversation=conversation, author=agent, text="On its way", visibility="public", idempotency_key="k1")
    record_reply_sent(message=reply, external_id="out-1")
    return reply


@pytest.mark.parametrize(
    "report",
    [
        lambda reply: record_bounce(channel_id=reply.channel_id, external_id="out-1", reason="550 no such user"),
        lambda reply: record_delivery_receipts(channel_id=reply.channel_id, external_ids=["out-1"], state="read"),
    ],
    ids=["bounce", "read receipt"],
)
def test_what_a_platform_reports_about_a_sent_reply_is_announced_as_a_delivery_change(
    django_capture_on_commit_callbacks, effects, conversation, agent, report
):
    # given: a reply the platform accepted (its own announcements are not this test's)
    reply = _sent_reply(conversation, agent)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        report(reply)
    # then: a bounced reply is no reply, so the clocks are rescored; the browsers are told either way
    assert effects == Effects(rescored=[conversation.pk], pushed=[(conversation.pk, "delivery")])


def test_the_handler_follows_the_table_not_the_name_of_the_reason(monkeypatch, effects, conversation):
    # given
    monkeypatch.setitem(changes.REASONS, "note", changes.Follow(rescore=True, assign=True))
    # when
    followups.handle(conversation.pk, conversation.team_id, "note")
    # then
    assert effects == Effects(rescored=[conversation.pk], pushed=[(conversation.pk, "note")], assigned=[conversation.team_id])


@pytest.mark.skipif(not settings.REDIS_URL, reason="the change list lives in Redis; without it each change runs at once")
def test_the_drain_handles_several_changes_of_one_conversation_in_one_pass(monkeypatch, effects, conversation, team):
    # given: the changes wait on the list (no drain is scheduled meanwhile)
    monkeypatch.setitem(ports._provided, "change_worker", ports.ChangeWorker(handle=lambda *args: None, drain=lambda: None))
    other = make_channel(team=team)
    other_id = ingest_message(inbound=make_inbound(channel=other, thread_key="other")).conversation_id
    for reason in ("note", "status", "edited"):
        changes.publish(conversation_id=conversation.pk, team_id=team.pk, reason=reason)
    changes.publish(conversation_id=other_id, team_id=team.pk, reason="note")
    # when
    handled = followups.drain()
    # then: one pass each, with the reason that sets off the most
    assert handled == 2
    assert effects == Effects(
        rescored=[conversation.pk], pushed=[(conversation.pk, "status"), (other_id, "note")], assigned=[team.pk]
    )
    assert changes.redis_client().llen(changes.redis_keys()[0]) == 0


@pytest.mark.parametrize(
    ("reasons", "kept"),
    [
        (["note", "status", "edited"], "status"),
        (["message", "priority"], "message"),  # the rules still see the customer's message
        (["priority", "message"], "message"),
        (["message", "status"], "new_conversation"),  # ... and the assignment still runs
        (["new_conversation", "sweep", "tags"], "new_conversation"),
        (["message", "message"], "message"),
    ],
)
def test_coalesced_changes_keep_everything_any_of_them_sets_off(reasons, kept):
    items = [json.dumps([7, 1, reason]).encode() for reason in reasons]
    assert followups._coalesce(items) == {7: (1, kept)}
