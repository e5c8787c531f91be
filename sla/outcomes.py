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
"""

from __future__ import annotations

from datetime import datetime

from inbox.models import Conversation, ConversationEvent
from sla import flags
from sla.evaluation import Evaluation, Outcome
from sla.models import Outcome as OutcomeKind
from sla.models import SlaEvent, SlaPolicy

Key = tuple[str, int, int]


def record_outcomes(
    conversation: Conversation, policy: SlaPolicy | None, evaluation: Evaluation, *, now: datetime, revisable: bool
) -> None:
    """Store what the replay found; revisable when the timeline has a failed reply (an achievement may be gone)."""
    if not evaluation.outcomes and not revisable:
        return  # nothing to record and nothing withdrawn: spare the rescore a query
    evaluated = {(o.metric, o.cycle, o.sequence): o for o in evaluation.outcomes}
    stored = {(e.metric, e.cycle, e.sequence): e for e in SlaEvent.objects.filter(conversation=conversation)}
    for key, outcome in evaluated.items():
        row = stored.get(key)
        if row is None:
            _create(conversation, policy, outcome, now=now)
        elif row.outcome == OutcomeKind.ACHIEVED and not _same_achievement(row, outcome):
            _revise(conversation, row, outcome, now=now)
        elif row.outcome == OutcomeKind.BREACHED and row.responded_at != outcome.responded_at:
            # The breach stands; when its answer came (or that answer failed after all) follows the evidence.
            SlaEvent.objects.filter(pk=row.pk).update(
                responded_at=outcome.responded_at,
                business_seconds=outcome.business_seconds,
                wall_seconds=outcome.wall_seconds,
            )
    for key, row in stored.items():
        # A metric the policy no longer measures keeps its history; one it measures follows the evidence.
        measured = policy is not None and bool(getattr(policy, f"{row.metric}_minutes"))
        if key not in evaluated and row.outcome == OutcomeKind.ACHIEVED and measured:
            _revise(conversation, row, None, now=now)


def _same_achievement(row: SlaEvent, outcome: Outcome) -> bool:
    # The same reply is the same evidence, whatever the targets say of it today.
    return outcome.responded_at == row.responded_at


def _create(conversation: Conversation, policy: SlaPolicy | None, outcome: Outcome, *, now: datetime) -> None:
    # The unique constraint backs the one-row-per-clock rule up under concurrent scorers.
    SlaEvent.objects.bulk_create([_row(conversation, policy, outcome)], ignore_conflicts=True)
    ConversationEvent.objects.create(
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
    if outcome.outcome == OutcomeKind.BREACHED:
        flags.flagged(conversation.pk, "sla_breached", flags.breach_key(outcome.metric, outcome.cycle, outcome.sequence))


def _revise(conversation: Conversation, row: SlaEvent, outcome: Outcome | None, *, now: datetime) -> None:
    """An achievement lost its reply: it becomes what the evidence says now, or goes while the clock runs."""
    if outcome is None:
        SlaEvent.objects.filter(pk=row.pk).delete()
        became = "running"
    else:
        SlaEvent.objects.filter(pk=row.pk).update(
            outcome=outcome.outcome,
            started_at=outcome.started_at,
            due_at=outcome.due_at,
            happened_at=outcome.happened_at,
            responded_at=outcome.responded_at,
            business_seconds=outcome.business_seconds,
            wall_seconds=outcome.wall_seconds,
        )
        became = outcome.outcome
        if became == OutcomeKind.BREACHED:
            flags.flagged(conversation.pk, "sla_breached", flags.breach_key(row.metric, row.cycle, row.sequence))
    ConversationEvent.objects.create(
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
        started_at=outcome.started_at,
        due_at=outcome.due_at,
        happened_at=outcome.happened_at,
        responded_at=outcome.responded_at,
        business_seconds=outcome.business_seconds,
        wall_seconds=outcome.wall_seconds,
        channel_id=conversation.channel_id,
        priority=conversation.priority,
        assignee_id=conversation.assignee_id,
        visibility=conversation.visibility,
    )
