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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
from sla import clock, flags
from sla.calendars import to_clock
from sla.evaluation import AGENT, CUSTOMER, OPEN, PENDING, RESOLVED, Entry, Evaluation, Targets, evaluate
from sla.models import BusinessCalendar, SlaClock, SlaPolicy
from sla.outcomes import Replayed, record_outcomes

logger = logging.getLogger(__name__)

DETECT_BATCH = 200
STATE_RANK = {SlaState.BREACHED: 0}
SLA_FIELDS = ("sla_state", "sla_due_at", "sla_warning_at", "sla_paused_left_seconds", "sla_rank")
# A policy with no calendar, for a team with none: every hour counts.
ALWAYS_OPEN = clock.BusinessCalendar.always_open("UTC")


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


def calendar_of(policy: SlaPolicy, conversation: Conversation) -> BusinessCalendar | None:
    """The policy's own calendar, else the conversation's team's default; None: every hour counts."""
    return policy.calendar or conversation.team.default_calendar


def clock_calendar(calendar: BusinessCalendar | None, *, today: date) -> clock.BusinessCalendar:
    return to_clock(calendar, today=today) if calendar is not None else ALWAYS_OPEN


def build_timelines(conversation_ids: Sequence[int]) -> dict[int, Timeline]:
    """Each conversation's scoring history: two queries however many conversations."""
    entries: dict[int, list[Entry]] = {pk: [] for pk in conversation_ids}
    statuses: dict[int, list[tuple[datetime, str]]] = {pk: [] for pk in conversation_ids}
    for conversation_id, kind, data, at in ConversationEvent.objects.filter(
        conversation_id__in=conversation_ids, kind__in=("status", "reopened")
    ).values_list("conversation_id", "kind", "data", "created_at"):
        to = data.get("to", OPEN) if kind == "status" else OPEN
        if to in (PENDING, OPEN, RESOLVED):
            entries[conversation_id].append(Entry(at=at, kind=to))
            statuses[conversation_id].append((at, to))
        if kind == "reopened" and data.get("by") == "customer":
            # The customer's message reopened it: the new cycle starts when it reopened the conversation.
            entries[conversation_id].append(Entry(at=at, kind=CUSTOMER))
    instants: dict[int, list[datetime]] = {}
    for conversation_id, found in statuses.items():
        found.sort()
        instants[conversation_id] = [at for at, _ in found]
    failed: set[int] = set()
    messages = Message.objects.filter(conversation_id__in=conversation_ids, kind=MessageKind.MESSAGE).values_list(
        "conversation_id", "direction", "starts_sla", "delivery_state", "platform_time", "received_time", "automated"
    )
    for conversation_id, direction, starts_sla, delivery_state, platform_time, received_time, automated in messages:
        # A platform clock running ahead of ours must not put a message in the future, where
        # the scorer would not see it yet and no clock would start.
        at = min(platform_time, received_time)
        if direction == Direction.IN and starts_sla:
            before = bisect_left(instants[conversation_id], received_time)
            if before and statuses[conversation_id][before - 1][1] == RESOLVED:
                # Delivered late to a resolved conversation: whatever its platform time says, the
                # customer's new wait began when it reached us.
                at = received_time
            entries[conversation_id].append(Entry(at=at, kind=CUSTOMER))
        elif direction == Direction.OUT and delivery_state == DeliveryState.FAILED:
            failed.add(conversation_id)
        elif direction == Direction.OUT and not automated:
            # An automatic acknowledgement tells the customer when a person will answer; it is no answer.
            entries[conversation_id].append(Entry(at=at, kind=AGENT))
    return {pk: Timeline(entries=entries[pk], has_failed_reply=pk in failed) for pk in conversation_ids}


def build_timeline(*, conversation: Conversation) -> Timeline:
    return build_timelines([conversation.pk])[conversation.pk]


NO_TIMELINE = Timeline(entries=[], has_failed_reply=False)


def evaluate_conversation(
    *, conversation_id: int, now: datetime, announce: bool = True, policies: list[SlaPolicy] | None = None
) -> Evaluation | None:
    """Score one conversation now; announce=False when the caller pushes the change itself."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(no_key=True, of=("self",))
            .select_related("channel", "sla_clock", "team__default_calendar")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None:
            return None  # deleted after the task was queued: nothing to score
        return _evaluate_locked(conversation, now=now, policies=policies, announce=announce)


def policy_for(conversation: Conversation, policies: list[SlaPolicy] | None) -> SlaPolicy | None:
    """The policy a rule chose for the conversation, else the best match."""
    try:
        clock_row = conversation.sla_clock
    except SlaClock.DoesNotExist:
        clock_row = None
    chosen = _chosen_policy(clock_row, policies) if clock_row is not None else None
    return chosen or match_policy(conversation=conversation, policies=policies)


def _evaluate_locked(
    conversation: Conversation, *, now: datetime, policies: list[SlaPolicy] | None, announce: bool = True
) -> Evaluation | None:
    policy = policy_for(conversation, policies)
    timeline = build_timeline(conversation=conversation) if policy is not None else NO_TIMELINE
    scored = score(conversation, policy, timeline, now=now)
    scored.clock_row.save()
    if scored.changed:
        Conversation.objects.filter(pk=conversation.pk).update(**{f: getattr(conversation, f) for f in SLA_FIELDS})
    if scored.at_risk is not None:
        scored.at_risk.save()
    store_outcomes([scored], now=now)
    if scored.changed and announce:
        changes.announce(conversation_id=conversation.pk, team_id=conversation.team_id, reason="sla")
    return scored.evaluation


def _chosen_policy(clock_row: SlaClock, policies: list[SlaPolicy] | None) -> SlaPolicy | None:
    """A policy a rule chose for this conversation (sla.policy_choice) wins over matching."""
    if not clock_row.chosen_policy_id:
        return None
    if policies is not None:
        return next((p for p in policies if p.pk == clock_row.chosen_policy_id), None)
    return SlaPolicy.objects.select_related("calendar").filter(pk=clock_row.chosen_policy_id).first()


@dataclass
class Scored:
    """One conversation's new SLA state, set on its rows but not yet stored (one or many at a time)."""

    conversation: Conversation
    clock_row: SlaClock
    policy: SlaPolicy | None
    evaluation: Evaluation | None
    changed: bool
    at_risk: ConversationEvent | None
    revisable: bool


def score(conversation: Conversation, policy: SlaPolicy | None, timeline: Timeline, *, now: datetime) -> Scored:
    """Evaluate and set the clock row's and the conversation's fields; the caller stores them (in
    the same transaction: the rules engine hears of a warning after commit)."""
    try:
        clock_row = conversation.sla_clock
    except SlaClock.DoesNotExist:
        clock_row = SlaClock(conversation=conversation)
    evaluation = None
    if policy is not None:
        calendar = clock_calendar(calendar_of(policy, conversation), today=now.date())
        evaluation = evaluate(timeline=timeline.entries, targets=targets_of(policy), calendar=calendar, now=now)
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
    at_risk = None
    if state != previous_state and state == SlaState.AT_RISK and warning_at is not None:
        # Breaches are recorded with their outcome; a warning has no outcome row of its own.
        at_risk = ConversationEvent(
            conversation=conversation,
            kind="sla_at_risk",
            data={"instant": warning_at.isoformat(), "flagged_at": now.isoformat()},
            created_at=now,
        )
    return Scored(conversation, clock_row, policy, evaluation, changed, at_risk, timeline.has_failed_reply)


def store_outcomes(batch: Sequence[Scored], *, now: datetime) -> None:
    """The outcomes each replay found (sla.outcomes) and the warnings and breaches to flag, for one
    conversation or a whole batch at once (one task for the rules engine either way)."""
    replays = [Replayed(s.conversation, s.policy, s.evaluation, s.revisable) for s in batch if s.evaluation is not None]
    breaches = record_outcomes(replays, now=now)
    warnings = [
        flags.warning(s.conversation.pk, cycle=s.clock_row.cycle, instant=s.conversation.sla_warning_at)
        for s in batch
        if s.at_risk is not None and s.conversation.sla_warning_at is not None
    ]
    flags.flagged(warnings + breaches)


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
                .select_related("channel", "sla_clock", "team__default_calendar")
                .filter(sla_clock__next_flag_at__lte=now)
                .order_by("sla_clock__next_flag_at")[:DETECT_BATCH]
            )
            for conversation in due:
                _evaluate_locked(conversation, now=now, policies=policies)
        total += len(due)
        if len(due) < DETECT_BATCH:
            return total
