"""Rescoring in batches keeps the SLA history one-at-a-time scoring keeps (sla.rescoring, sla.outcomes)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from inbox import actions
from inbox.actions import ingest_message, send_reply
from inbox.models import Conversation, ConversationEvent, Message
from sla.models import SlaEvent, SlaPolicy
from sla.rescoring import score_batch, sweep_unscored
from sla.scoring import evaluate_conversation
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_policy

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OUTCOME_FIELDS = ("metric", "cycle", "sequence", "outcome", "started_at", "due_at", "happened_at", "responded_at", "wall_seconds")


def _queue_of_four(clock, scored, label):
    """Four customers writing at 9:00, scored as things happened up to 9:40, with every kind of write left.

    Scored so far: one waiting, one answered at 9:10, one answered at 9:10 whose answer will fail,
    one breached at 9:30. Then, unscored: the third's reply fails at 9:45, the fourth is answered at 9:46.
    """
    team = make_team(name=f"Team {label}")
    channel, agent = make_channel(team=team), make_user(teams=[team], username=f"agent-{label}")
    clock.move_to(T0)
    ids = [
        scored(
            lambda i=i: (
                ingest_message(
                    inbound=make_inbound(channel=channel, thread_key=f"{label}{i}", author=make_author(external_id=f"{label}{i}"))
                ).conversation_id
            )
        )
        for i in range(4)
    ]
    clock.move_to(T0 + timedelta(minutes=10))
    replies = [
        scored(
            lambda pk=pk: send_reply(
                conversation=_conversation(pk), author=agent, text="On it", visibility="public", idempotency_key=f"r{pk}"
            )
        )
        for pk in ids[1:3]
    ]
    clock.move_to(T0 + timedelta(minutes=40))
    scored(lambda: evaluate_conversation(conversation_id=ids[3], now=T0 + timedelta(minutes=40)))
    clock.move_to(T0 + timedelta(minutes=45))
    actions.record_reply_failed(message=Message.objects.get(pk=replies[1].pk), reason="blocked")
    clock.move_to(T0 + timedelta(minutes=46))
    send_reply(
        conversation=_conversation(ids[3]), author=agent, text="Sorry", visibility="public", idempotency_key=f"late{label}"
    )
    return ids


def _conversation(pk):
    return Conversation.objects.get(pk=pk)


def _history(ids):
    """Each conversation's SLA outcomes and SLA events, in order, without the ids that tell the sets apart."""
    return [
        (
            list(
                SlaEvent.objects.filter(conversation_id=pk).order_by("metric", "cycle", "sequence").values_list(*OUTCOME_FIELDS)
            ),
            list(ConversationEvent.objects.filter(conversation_id=pk, kind__startswith="sla_").values_list("kind", "data")),
        )
        for pk in ids
    ]


def test_a_batch_stores_the_same_outcomes_and_events_as_one_at_a_time(django_capture_on_commit_callbacks):
    # given: a first response in 30 minutes, warned at 80 %; two identical queues of four
    make_policy(first_response_minutes=30, next_response_minutes=None, resolution_minutes=None)
    policies = list(SlaPolicy.objects.select_related("calendar"))

    def scored(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    with time_machine.travel(T0, tick=False) as clock:
        one_by_one = _queue_of_four(clock, scored, "a")
        batched = _queue_of_four(clock, scored, "b")
        clock.move_to(T0 + timedelta(minutes=50))
        now = T0 + timedelta(minutes=50)
        # when: one queue is rescored one conversation at a time, the other in one batch
        for pk in one_by_one:
            evaluate_conversation(conversation_id=pk, now=now, announce=False, policies=policies)
        score_batch(batched, now=now, policies=policies, announce=False)
    # then: the same history either way, with a breach, an achievement, a revision and a late answer in it
    assert _history(batched) == _history(one_by_one)
    outcomes = [
        [(metric, outcome, responded is not None) for metric, _, _, outcome, _, _, _, responded, _ in rows]
        for rows, _ in _history(batched)
    ]
    assert outcomes == [
        [("first_response", "breached", False)],
        [("first_response", "achieved", True)],
        [("first_response", "breached", False)],
        [("first_response", "breached", True)],
    ]
    kinds = [[kind for kind, _ in events] for _, events in _history(batched)]
    assert kinds == [["sla_breached"], ["sla_achieved"], ["sla_achieved", "sla_revised"], ["sla_breached"]]


def test_the_sweep_rescores_a_change_whose_hand_off_was_lost(settings):
    # given: a new conversation whose announced change never reached the worker (its after-commit
    # callback does not run in this test transaction, as a dead worker would drop it)
    settings.REDIS_URL = ""
    make_policy(first_response_minutes=30)
    channel = make_channel(team=make_team(name="Swept"))
    conversation_id = ingest_message(inbound=make_inbound(channel=channel, thread_key="lost")).conversation_id
    unscored = Conversation.objects.get(pk=conversation_id).sla_due_at
    # when
    swept = sweep_unscored()
    # then: scored, and a second sweep finds nothing left to do
    assert unscored is None
    assert swept == 1
    assert Conversation.objects.get(pk=conversation_id).sla_due_at is not None
    assert sweep_unscored() == 0
