"""Rescoring in the background after a calendar or policy edit, in batches, with progress.

A run scores the open and pending conversations the edit touches (those whose policy measures in
the calendar, or every one for a policy edit, since matching may change) BATCH at a time: the
policies and calendars are read once per run, each batch locks its conversations and reads their
clocks, messages and status events in one query each, and writes clocks, due times and outcomes
in bulk. RescoreRun.done moves after every batch, which is what the page's progress bar polls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from inbox import changes, followups
from inbox.models import Conversation, ConversationEvent, ConversationStatus
from sla.bulk_writes import bulk_set
from sla.models import BusinessCalendar, RescoreRun, SlaClock, SlaPolicy
from sla.scoring import NO_TIMELINE, SLA_FIELDS, Scored, build_timelines, policy_for, score, store_outcomes

logger = logging.getLogger(__name__)

BATCH = 500
# How far back the beat sweep looks for a change the scorer never saw.
SWEEP_WINDOW = timedelta(minutes=15)
CLOCK_FIELDS = [
    "policy",
    "cycle",
    "paused",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "first_response_started_at",
    "next_response_started_at",
    "resolution_started_at",
    "next_flag_at",
    "evaluated_at",
]


def affected(*, calendar: BusinessCalendar | None = None, team_id: int | None = None) -> QuerySet[Conversation]:
    """The open and pending conversations an edit may move: of a calendar, a team, or all of them."""
    rows = Conversation.objects.exclude(status=ConversationStatus.RESOLVED)
    if calendar is not None:
        rows = rows.filter(
            Q(sla_clock__policy__calendar=calendar)
            | Q(sla_clock__policy__isnull=False, sla_clock__policy__calendar__isnull=True, team__default_calendar=calendar)
        )
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    return rows


def create_run(*, label: str, calendar: BusinessCalendar | None = None, team_id: int | None = None) -> RescoreRun:
    """Count what the edit touches; sla.tasks.start_rescore queues the run after the edit commits."""
    total = affected(calendar=calendar, team_id=team_id).count()
    return RescoreRun.objects.create(label=label[:200], calendar=calendar, total=total)


def rescore(*, include_resolved: bool = False, now: datetime | None = None) -> int:
    """Rescore every open or pending conversation, or every conversation with include_resolved (their
    outcomes feed the dashboards: the demo's history), in batches."""
    rows = Conversation.objects.all() if include_resolved else affected()
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    score_in_batches(ids, now=now or timezone.now())
    logger.info("rescored conversations", extra={"count": len(ids), "include_resolved": include_resolved})
    return len(ids)


def run(*, run_id: int, team_id: int | None = None) -> int:
    """The worker's part: score every affected conversation, a batch at a time, recording progress."""
    job = RescoreRun.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if job is None:
        return 0  # already done (a retried task): nothing to repeat
    RescoreRun.objects.filter(pk=run_id).update(started_at=timezone.now(), done=0)
    ids = list(affected(calendar=job.calendar, team_id=team_id).order_by("pk").values_list("pk", flat=True))
    RescoreRun.objects.filter(pk=run_id).update(total=len(ids))
    done = score_in_batches(
        ids, now=timezone.now(), progress=lambda so_far: RescoreRun.objects.filter(pk=run_id).update(done=so_far)
    )
    RescoreRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), done=len(ids))
    logger.info("rescore run finished", extra={"run_id": run_id, "count": len(ids)})
    return done


def score_in_batches(ids: Sequence[int], *, now: datetime, progress: Callable[[int], object] | None = None) -> int:
    """The one rescoring loop: these conversations BATCH at a time, the policies read once;
    progress (if given) hears how many are done after each batch."""
    policies = list(SlaPolicy.objects.select_related("calendar"))
    done = 0
    for offset in range(0, len(ids), BATCH):
        done += score_batch(ids[offset : offset + BATCH], now=now, policies=policies)
        if progress is not None:
            progress(min(offset + BATCH, len(ids)))
    return done


def score_batch(ids: Sequence[int], *, now: datetime, policies: list[SlaPolicy], announce: bool = True) -> int:
    """Score these conversations in one transaction with a fixed number of queries."""
    with transaction.atomic():
        conversations = list(
            Conversation.objects.select_for_update(no_key=True, of=("self",))
            .select_related("channel", "sla_clock", "team__default_calendar")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        matched = [(c, policy_for(c, policies)) for c in conversations]
        timelines = build_timelines([c.pk for c, policy in matched if policy is not None])
        batch: list[Scored] = [score(c, policy, timelines.get(c.pk, NO_TIMELINE), now=now) for c, policy in matched]
        new_clocks = [s.clock_row for s in batch if s.clock_row.pk is None]
        old_clocks = [s.clock_row for s in batch if s.clock_row.pk is not None]
        SlaClock.objects.bulk_create(new_clocks)
        bulk_set(SlaClock, old_clocks, CLOCK_FIELDS)
        moved = [s.conversation for s in batch if s.changed]
        bulk_set(Conversation, moved, SLA_FIELDS)
        ConversationEvent.objects.bulk_create([s.at_risk for s in batch if s.at_risk is not None])
        store_outcomes(batch, now=now)
        if announce:
            changes.announce_many(changed=[(c.pk, c.team_id) for c in moved], reason="sla")
    return len(batch)


def sweep_unscored(*, limit: int = 1000) -> int:
    """Rescore conversations changed recently but not scored since (a lost hand-off, a dead worker)."""
    since = timezone.now() - SWEEP_WINDOW
    stale = (
        Conversation.objects.filter(updated_at__gte=since)
        .filter(Q(sla_clock__isnull=True) | Q(sla_clock__evaluated_at__lt=F("updated_at")))
        .values_list("pk", "team_id")[:limit]
    )
    count = 0
    for conversation_id, team_id in stale:
        followups.handle(conversation_id, team_id, "sweep")
        count += 1
    return count
