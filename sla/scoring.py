"""Scoring conversations against SLA policies and flagging warnings and breaches on time.

evaluate_conversation() replays the conversation (sla/evaluation.py) and stores the result: each
running clock's due time on SlaClock, the earliest due and its warning on the conversation (the
queue's index), one SlaEvent per clock outcome. detect_due() is driven every second by beat: it
takes the conversations whose next flag instant has come, FOR UPDATE SKIP LOCKED, so several
workers share the work and nothing is flagged twice or before its instant.
"""

from __future__ import annotations

import logging
import time as _time
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from inbox import changes
from inbox.models import (
    Conversation,
    ConversationEvent,
    ConversationStatus,
    DeliveryState,
    Direction,
    Message,
    MessageKind,
    SlaState,
)
from sla import flags
from sla.calendars import to_clock
from sla.evaluation import AGENT, CUSTOMER, OPEN, PENDING, RESOLVED, Entry, Evaluation, Targets, evaluate
from sla.models import SlaClock, SlaPolicy
from sla.outcomes import record_outcomes

logger = logging.getLogger(__name__)

DETECT_BATCH = 200
STATE_RANK = {SlaState.BREACHED: 0}


def match_policy(*, conversation: Conversation, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The most specific policy whose every set field matches; a policy with none set is the default."""
    if policies is None:
        policies = list(SlaPolicy.objects.select_related("calendar"))
    facts = {
        "channel_kind": conversation.channel.flavor,
        "visibility": conversation.visibility,
        "priority": conversation.priority,
    }
    candidates = [
        p
        for p in policies
        if all(not getattr(p, name) or getattr(p, name) == value for name, value in facts.items())
        and (p.team_id is None or p.team_id == conversation.team_id)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.specificity, bool(p.priority), bool(p.channel_kind), -p.pk))


def targets_of(policy: SlaPolicy) -> Targets:
    def minutes(value: int | None) -> timedelta | None:
        return timedelta(minutes=value) if value else None

    return Targets(
        first_response=minutes(policy.first_response_minutes),
        next_response=minutes(policy.next_response_minutes),
        resolution=minutes(policy.resolution_minutes),
        warning_percent=policy.warning_percent,
        warning_before=minutes(policy.warning_minutes_before),
    )


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    # A reply that failed or bounced is no reply: an outcome it earned may have to be revised.
    has_failed_reply: bool


def build_timeline(*, conversation: Conversation) -> Timeline:
    entries: list[Entry] = []
    statuses: list[tuple[datetime, str]] = []
    for kind, data, at in ConversationEvent.objects.filter(
        conversation=conversation, kind__in=("status", "reopened")
    ).values_list("kind", "data", "created_at"):
        to = data.get("to", OPEN) if kind == "status" else OPEN
        if to in (PENDING, OPEN, RESOLVED):
            entries.append(Entry(at=at, kind=to))
            statuses.append((at, to))
        if kind == "reopened" and data.get("by") == "customer":
            # The customer's message reopened it: the new cycle starts when it reopened the conversation.
            entries.append(Entry(at=at, kind=CUSTOMER))
    statuses.sort()
    instants = [at for at, _ in statuses]
    has_failed_reply = False
    messages = Message.objects.filter(conversation=conversation, kind=MessageKind.MESSAGE).values_list(
        "direction", "starts_sla", "delivery_state", "platform_time", "received_time", "automated"
    )
    for direction, starts_sla, delivery_state, platform_time, received_time, automated in messages:
        # A platform clock running ahead of ours must not put a message in the future, where
        # the scorer would not see it yet and no clock would start.
        at = min(platform_time, received_time)
        if direction == Direction.IN and starts_sla:
            before = bisect_left(instants, received_time)
            if before and statuses[before - 1][1] == RESOLVED:
                # Delivered late to a resolved conversation: whatever its platform time says, the
                # customer's new wait began when it reached us.
                at = received_time
            entries.append(Entry(at=at, kind=CUSTOMER))
        elif direction == Direction.OUT and delivery_state == DeliveryState.FAILED:
            has_failed_reply = True
        elif direction == Direction.OUT and not automated:
            # An automatic acknowledgement tells the customer when a person will answer; it is no answer.
            entries.append(Entry(at=at, kind=AGENT))
    return Timeline(entries=entries, has_failed_reply=has_failed_reply)


def evaluate_conversation(
    *, conversation_id: int, now: datetime, announce: bool = True, policies: list[SlaPolicy] | None = None
) -> Evaluation | None:
    """Score one conversation now; announce=False when the caller pushes the change itself."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(no_key=True, of=("self",))
            .select_related("channel", "sla_clock")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None:
            return None  # deleted after the task was queued: nothing to score
        return _evaluate_locked(conversation, now=now, policies=policies, announce=announce)


def _evaluate_locked(
    conversation: Conversation, *, now: datetime, policies: list[SlaPolicy] | None, announce: bool = True
) -> Evaluation | None:
    try:
        clock_row = conversation.sla_clock
    except SlaClock.DoesNotExist:
        clock_row = SlaClock(conversation=conversation)
    revisable = False
    policy = _chosen_policy(clock_row, policies) or match_policy(conversation=conversation, policies=policies)
    if policy is None:
        evaluation = None
    else:
        timeline = build_timeline(conversation=conversation)
        revisable = timeline.has_failed_reply
        evaluation = evaluate(
            timeline=timeline.entries,
            targets=targets_of(policy),
            calendar=to_clock(policy.calendar, today=now.date()),
            now=now,
        )
    _store(conversation, clock_row, policy, evaluation, now=now, announce=announce, revisable=revisable)
    return evaluation


def _chosen_policy(clock_row: SlaClock, policies: list[SlaPolicy] | None) -> SlaPolicy | None:
    """A policy a rule chose for this conversation (sla.policy_choice) wins over matching."""
    if not clock_row.chosen_policy_id:
        return None
    if policies is not None:
        return next((p for p in policies if p.pk == clock_row.chosen_policy_id), None)
    return SlaPolicy.objects.select_related("calendar").filter(pk=clock_row.chosen_policy_id).first()


def _store(
    conversation: Conversation,
    clock_row: SlaClock,
    policy: SlaPolicy | None,
    evaluation: Evaluation | None,
    *,
    now: datetime,
    announce: bool,
    revisable: bool,
) -> None:
    running = {r.metric: r for r in evaluation.running} if evaluation else {}
    clock_row.policy = policy
    clock_row.cycle = evaluation.cycle if evaluation else 0
    clock_row.paused = evaluation.paused if evaluation else False
    for metric in ("first_response", "next_response", "resolution"):
        r = running.get(metric)
        setattr(clock_row, f"{metric}_due_at", r.due_at if r else None)
        setattr(clock_row, f"{metric}_started_at", r.started_at if r else None)
    clock_row.next_flag_at = evaluation.next_flag_at if evaluation else None
    clock_row.evaluated_at = now
    clock_row.save()

    left: int | None = None
    if conversation.status == ConversationStatus.RESOLVED or evaluation is None:
        state, due_at, warning_at = SlaState.NONE, None, None
    else:
        state, due_at, warning_at = SlaState(evaluation.state), evaluation.due_at, evaluation.warning_at
        if state == SlaState.PAUSED and evaluation.paused_left is not None:
            left = int(evaluation.paused_left.total_seconds())
    previous_state = conversation.sla_state
    now_shown = (state, due_at, warning_at, left)
    shown = (conversation.sla_state, conversation.sla_due_at, conversation.sla_warning_at, conversation.sla_paused_left_seconds)
    changed = shown != now_shown
    if changed:
        conversation.sla_state, conversation.sla_due_at, conversation.sla_warning_at = state, due_at, warning_at
        conversation.sla_paused_left_seconds = left
        conversation.sla_rank = STATE_RANK.get(state, 1)
        Conversation.objects.filter(pk=conversation.pk).update(
            sla_state=state,
            sla_due_at=due_at,
            sla_warning_at=warning_at,
            sla_paused_left_seconds=left,
            sla_rank=conversation.sla_rank,
        )
    if state != previous_state and state == SlaState.AT_RISK and warning_at is not None:
        # Breaches are recorded with their outcome below; a warning has no outcome row of its own.
        ConversationEvent.objects.create(
            conversation=conversation,
            kind="sla_at_risk",
            data={"instant": warning_at.isoformat(), "flagged_at": now.isoformat()},
            created_at=now,
        )
        flags.flagged(conversation.pk, "sla_at_risk", f"{clock_row.cycle}:{warning_at.isoformat()}")
    if evaluation is not None:
        record_outcomes(conversation, policy, evaluation, now=now, revisable=revisable)
    if changed and announce:
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="sla")


def detect_due(*, now: datetime | None = None, budget_seconds: float = 0.0) -> int:
    """Flag every conversation whose warning or breach instant has come.

    With a budget, keep watching until it is spent, sleeping until the next instant that falls inside
    it: a beat tick every second then flags within milliseconds instead of up to a second late.
    """
    flagged = 0
    started = _time.monotonic()
    while True:
        current = now or timezone.now()
        flagged += _detect_batch(current)
        remaining = budget_seconds - (_time.monotonic() - started)
        if now is not None or remaining <= 0:
            return flagged
        upcoming = (
            SlaClock.objects.filter(next_flag_at__gt=current)
            .order_by("next_flag_at")
            .values_list("next_flag_at", flat=True)
            .first()
        )
        if upcoming is None:
            return flagged
        wait = (upcoming - timezone.now()).total_seconds()
        if wait > remaining:
            return flagged
        _time.sleep(max(0.0, wait) + 0.002)


def _detect_batch(now: datetime) -> int:
    policies = list(SlaPolicy.objects.select_related("calendar"))
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                Conversation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("channel", "sla_clock")
                .filter(sla_clock__next_flag_at__lte=now)
                .order_by("sla_clock__next_flag_at")[:DETECT_BATCH]
            )
            for conversation in due:
                _evaluate_locked(conversation, now=now, policies=policies)
        total += len(due)
        if len(due) < DETECT_BATCH:
            return total


def rescore(*, include_resolved: bool = False, now: datetime | None = None) -> int:
    """Rescore every open or pending conversation (after a policy, calendar or team edit), or every
    conversation with include_resolved (their outcomes feed the dashboards: the demo's history)."""
    now = now or timezone.now()
    conversations = Conversation.objects.all()
    if not include_resolved:
        conversations = conversations.exclude(status=ConversationStatus.RESOLVED)
    policies = list(SlaPolicy.objects.select_related("calendar"))
    count = 0
    for conversation_id in conversations.values_list("pk", flat=True).iterator(chunk_size=500):
        evaluate_conversation(conversation_id=conversation_id, now=now, policies=policies)
        count += 1
    logger.info("rescored conversations", extra={"count": count, "include_resolved": include_resolved})
    return count
