"""Storing a conversation's SLA outcomes so that the SlaEvent rows say what is true now.

The scorer replays the whole conversation each time (sla/evaluation.py), so its outcomes follow the
evidence: a reply that failed or bounced after it was scored is no reply, and the replay no longer
finds the achievement it made. A stored outcome is therefore revised, never kept out of habit:
- an achievement whose reply is gone is withdrawn: updated to the breach when its deadline has
  passed, to the later reply that met it, or deleted while its clock runs again;
- a breach stands (a failed reply can only make a wait longer); it gains responded_at once a reply
  comes.
Each revision records an "sla_revised" event on the conversation. An achievement is revised only
when its reply is gone: a policy edit that would score the same reply differently rewrites no
history.
Both scoring paths store through record_outcomes(): one conversation at a time (a change, a flag)
or a rescoring batch, with the same few queries for either, so the history is the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from inbox.models import Conversation, ConversationEvent
from sla import flags
from sla.bulk_writes import bulk_set
from sla.evaluation import Evaluation, Outcome
from sla.models import Outcome as OutcomeKind
from sla.models import SlaEvent, SlaPolicy

Key = tuple[str, int, int]
ANSWERED_FIELDS = ("responded_at", "business_seconds", "wall_seconds")
REVISED_FIELDS = ("outcome", "started_at", "due_at", "happened_at", "responded_at", "business_seconds", "wall_seconds")


class Replayed(NamedTuple):
    """What one replay of one conversation found."""

    conversation: Conversation
    policy: SlaPolicy | None
    evaluation: Evaluation
    # The timeline has a failed reply: an achievement may be gone.
    revisable: bool


class Stored(NamedTuple):
    pk: int
    metric: str
    cycle: int
    sequence: int
    outcome: str
    responded_at: datetime | None


@dataclass
class Writes:
    """A batch's writes, gathered in the order one-at-a-time storing would make them, then stored in bulk."""

    created: list[SlaEvent] = field(default_factory=list)
    answered: list[SlaEvent] = field(default_factory=list)
    revised: list[SlaEvent] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)
    events: list[ConversationEvent] = field(default_factory=list)
    breaches: list[flags.Flag] = field(default_factory=list)

    def store(self) -> None:
        # The unique constraint backs the one-row-per-clock rule up under concurrent scorers.
        SlaEvent.objects.bulk_create(self.created, ignore_conflicts=True)
        bulk_set(SlaEvent, self.answered, ANSWERED_FIELDS)
        bulk_set(SlaEvent, self.revised, REVISED_FIELDS)
        if self.withdrawn:
            SlaEvent.objects.filter(pk__in=self.withdrawn).delete()
        ConversationEvent.objects.bulk_create(self.events)


def record_outcomes(replays: Sequence[Replayed], *, now: datetime) -> list[flags.Flag]:
    """Store what each replay found: a query for the stored outcomes, then one per kind of write.
    Returns the breaches to flag (sla.flags), for the caller to flag with its other flags."""
    # Nothing to record and nothing withdrawn: spare the rescore a query.
    replays = [r for r in replays if r.evaluation.outcomes or r.revisable]
    if not replays:
        return []
    stored = _stored([r.conversation.pk for r in replays])
    writes = Writes()
    for replay in replays:
        _follow_evidence(replay, stored.get(replay.conversation.pk, {}), writes, now=now)
    writes.store()
    return writes.breaches


def _stored(conversation_ids: list[int]) -> dict[int, dict[Key, Stored]]:
    found: dict[int, dict[Key, Stored]] = {}
    rows = SlaEvent.objects.filter(conversation_id__in=conversation_ids).values_list(
        "conversation_id", "pk", "metric", "cycle", "sequence", "outcome", "responded_at"
    )
    for conversation_id, *values in rows:
        row = Stored(*values)
        found.setdefault(conversation_id, {})[(row.metric, row.cycle, row.sequence)] = row
    return found


def _follow_evidence(replay: Replayed, stored: dict[Key, Stored], writes: Writes, *, now: datetime) -> None:
    conversation, policy, evaluation, _ = replay
    evaluated = {(o.metric, o.cycle, o.sequence): o for o in evaluation.outcomes}
    for key, outcome in evaluated.items():
        row = stored.get(key)
        if row is None:
            _create(conversation, policy, outcome, writes, now=now)
        elif row.outcome == OutcomeKind.ACHIEVED and not _same_achievement(row, outcome):
            _revise(conversation, row, outcome, writes, now=now)
        elif row.outcome == OutcomeKind.BREACHED and row.responded_at != outcome.responded_at:
            # The breach stands; when its answer came (or that answer failed after all) follows the evidence.
            writes.answered.append(
                SlaEvent(
                    pk=row.pk,
                    responded_at=outcome.responded_at,
                    business_seconds=outcome.business_seconds,
                    wall_seconds=outcome.wall_seconds,
                )
            )
    for key, row in stored.items():
        # A metric the policy no longer measures keeps its history; one it measures follows the evidence.
        measured = policy is not None and bool(getattr(policy, f"{row.metric}_minutes"))
        if key not in evaluated and row.outcome == OutcomeKind.ACHIEVED and measured:
            _revise(conversation, row, None, writes, now=now)


def _same_achievement(row: Stored, outcome: Outcome) -> bool:
    # The same reply is the same evidence, whatever the targets say of it today.
    return outcome.responded_at == row.responded_at


def _create(conversation: Conversation, policy: SlaPolicy | None, outcome: Outcome, writes: Writes, *, now: datetime) -> None:
    writes.created.append(_row(conversation, policy, outcome))
    writes.events.append(
        ConversationEvent(
            conversation=conversation,
            kind=f"sla_{outcome.outcome}",
            data={
                "metric": outcome.metric,
                "cycle": outcome.cycle,
                "instant": outcome.happened_at.isoformat(),
                "flagged_at": now.isoformat(),
            },
            created_at=now,
        )
    )
    if outcome.outcome == OutcomeKind.BREACHED:
        metric, cycle, sequence = outcome.metric, outcome.cycle, outcome.sequence
        writes.breaches.append(flags.breach(conversation.pk, metric=metric, cycle=cycle, sequence=sequence))


def _revise(conversation: Conversation, row: Stored, outcome: Outcome | None, writes: Writes, *, now: datetime) -> None:
    """An achievement lost its reply: it becomes what the evidence says now, or goes while the clock runs."""
    if outcome is None:
        writes.withdrawn.append(row.pk)
        became = "running"
    else:
        writes.revised.append(SlaEvent(pk=row.pk, outcome=outcome.outcome, **_evidence(outcome)))
        became = outcome.outcome
        if became == OutcomeKind.BREACHED:
            writes.breaches.append(flags.breach(conversation.pk, metric=row.metric, cycle=row.cycle, sequence=row.sequence))
    writes.events.append(
        ConversationEvent(
            conversation=conversation,
            kind="sla_revised",
            data={
                "metric": row.metric,
                "cycle": row.cycle,
                "from": row.outcome,
                "to": became,
                "withdrawn_reply_at": row.responded_at.isoformat() if row.responded_at else None,
                "flagged_at": now.isoformat(),
            },
            created_at=now,
        )
    )


def _row(conversation: Conversation, policy: SlaPolicy | None, outcome: Outcome) -> SlaEvent:
    return SlaEvent(
        conversation=conversation,
        team_id=conversation.team_id,
        channel_kind=conversation.channel.flavor,
        policy=policy,
        metric=outcome.metric,
        cycle=outcome.cycle,
        sequence=outcome.sequence,
        outcome=outcome.outcome,
        **_evidence(outcome),
        channel_id=conversation.channel_id,
        priority=conversation.priority,
        assignee_id=conversation.assignee_id,
        visibility=conversation.visibility,
    )


def _evidence(outcome: Outcome) -> dict[str, object]:
    """What an outcome says happened: the fields a stored row takes from it when created or revised."""
    return {
        "started_at": outcome.started_at,
        "due_at": outcome.due_at,
        "happened_at": outcome.happened_at,
        "responded_at": outcome.responded_at,
        "business_seconds": outcome.business_seconds,
        "wall_seconds": outcome.wall_seconds,
    }
