"""What-if replays as background runs: started from the page, replayed by a worker with progress,
their figures kept on the run (sla.models.WhatIfRun) so the same question asked again soon is
answered from the last run instead of replaying again.

"The same question" is the key: the period's days and zone, the teams and filters, the calendar
(and when it was last edited) and the hours replayed. A finished run with that key is reused for
FRESH after it finished; one still running is joined rather than started twice (unless it has run
for longer than STUCK, when a worker has most likely died with it).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from inbox.selectors import visible_team_ids
from sla import runs
from sla.models import BusinessCalendar, WhatIfRun
from sla.reports import snapshots, whatif
from sla.reports.filters import Scope

logger = logging.getLogger(__name__)

FRESH = timedelta(minutes=15)
STUCK = timedelta(minutes=10)


def question(scope: Scope, *, calendar: BusinessCalendar, hours: dict[str, list[list[str]]], today: date) -> dict[str, Any]:
    """Everything the figures depend on, as JSON: what the worker rebuilds the replay from."""
    return {
        "scope": snapshots.payload(scope),
        "calendar_id": calendar.pk,
        "calendar_version": calendar.updated_at.isoformat() if calendar.updated_at else "",
        "hours": {day: spans for day, spans in sorted(hours.items())},
        "today": today.isoformat(),  # the holidays are expanded for today's year
    }


def key_of(asked: dict[str, Any]) -> str:
    # As the snapshots do: the params only shape links, and the period is its days and zone.
    scope = {k: v for k, v in asked["scope"].items() if k != "params"}
    scope["period"] = scope["period"][1:4]
    return hashlib.sha256(json.dumps({**asked, "scope": scope}, sort_keys=True).encode()).hexdigest()


def reusable(key: str, *, now: datetime | None = None) -> WhatIfRun | None:
    """A run of the same question that finished within FRESH, or is still running (and not stuck)."""
    now = now or timezone.now()
    same = WhatIfRun.objects.filter(key=key, error="")
    return (
        same.filter(finished_at__gte=now - FRESH).order_by("-finished_at").first()
        or same.filter(finished_at__isnull=True, created_at__gte=now - STUCK).order_by("-created_at").first()
    )


def create(
    scope: Scope,
    *,
    calendar: BusinessCalendar,
    hours: dict[str, list[list[str]]],
    label: str,
    actor: User,
    today: date,
    again: bool = False,
) -> tuple[WhatIfRun, bool]:
    """The run answering this question: a reusable one (reused=True), or a new one, counted, for
    sla.tasks.start_whatif to queue. again=True always makes a new one."""
    asked = question(scope, calendar=calendar, hours=hours, today=today)
    key = key_of(asked)
    found = None if again else reusable(key)
    if found is not None:
        return found, True
    job = WhatIfRun.objects.create(
        key=key,
        label=f"{label}, against {calendar.name}"[:200],
        requested_by=actor,
        calendar=calendar,
        params=asked,
        total=whatif.measured(scope, calendar).count(),
    )
    return job, False


def run(run_id: int) -> None:
    """The worker's part: replay, moving done as it goes, then keep the figures on the run."""
    rows = WhatIfRun.objects.filter(pk=run_id)
    job = rows.filter(finished_at__isnull=True).select_related("calendar").first()
    if job is None:
        return  # already done (a retried task)
    if job.calendar is None:
        rows.update(error="The calendar was deleted before the replay ran.")
        return
    rows.update(started_at=timezone.now(), done=0)
    asked = job.params
    try:
        figures = whatif.run(
            snapshots.scope_of(asked["scope"]),
            calendar=job.calendar,
            hours=asked["hours"],
            today=date.fromisoformat(asked["today"]),
            progress=runs.recorder(job),
        )
    except Exception:
        # Said on the page rather than retried: the same rows would fail the same way.
        logger.exception("what-if run failed", extra={"run_id": run_id})
        rows.update(error="The replay failed; the error is in the worker's log.")
        return
    replay = figures.replay
    result = {
        "conversations": replay.conversations,
        "started_sooner": replay.started_sooner,
        "started_later": replay.started_later,
        "breaches_now": replay.breaches_now,
        "breaches_same_replies": replay.breaches_same_replies,
        "answered": len(replay.waits_now),
        **{name: getattr(figures, name) for name in ("median_now", "median_then", "p90_now", "p90_then")},
    }
    rows.update(result=result, done=replay.conversations, total=replay.conversations, finished_at=timezone.now())
    logger.info("what-if run finished", extra={"run_id": run_id, "count": replay.conversations})


def visible_to(job: WhatIfRun, user: User) -> bool:
    """A run's figures are for whoever may see every team it covers."""
    return set(job.params.get("scope", {}).get("teams", ())) <= set(visible_team_ids(user=user))
