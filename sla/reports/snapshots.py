"""Report figures served from a snapshot the worker keeps fresh, so a year of figures opens as fast
as a day's.

Exact percentiles over a long period cannot be added up from smaller ones: a year across all teams
sorts millions of waits (about 17 s at 1M conversations), and no index makes that a page load.
So, as analytics tools do, the figures of a scope (period, filters, teams) are computed in the
worker and kept in the cache; a page shows the newest snapshot with the time it was taken, and
asks the worker for a new one once it is older than PARLEY_REPORT_FRESH_SECONDS. Only the first
visit of a scope waits, on a page that polls until its figures are ready. With Celery eager (the
demo, the tests) the refresh runs inside the request, so the page is always current there.

Snapshots are keyed by what the figures depend on and nothing else, so every supervisor asking for
the same teams, filters and days shares one, whoever asked first. PARLEY_REPORT_FRESH_SECONDS=0
turns snapshots off: every page computes its figures on the spot (the tests' default).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from sla.models import BusinessCalendar
from sla.reports import arrivals, figures
from sla.reports.filters import Scope
from sla.reports.periods import Period

# How long a snapshot may be served after its figures were taken, at most, before it is dropped:
# a page then waits for new ones rather than show figures from days ago.
KEEP_SECONDS = 7 * 24 * 3600
# A refresh that has not finished by then is taken to have died and may be asked for again.
BUSY_SECONDS = 300


@dataclass(frozen=True)
class Snapshot:
    data: object
    taken_at: datetime
    seconds: float  # how long the worker took to compute it

    def age(self, now: datetime) -> float:
        return (now - self.taken_at).total_seconds()


def _page(scope: Scope, extra: dict) -> object:
    return figures.outcome_figures(scope), figures.counts(scope), figures.series(scope), figures.by_tag(scope)


def _arrivals(scope: Scope, extra: dict) -> object:
    return arrivals.heatmap(scope, BusinessCalendar.objects.get(pk=extra["calendar"]))


# What a snapshot holds, by name: the figures of one report page.
KINDS: dict[str, Callable[[Scope, dict], object]] = {"page": _page, "arrivals": _arrivals}


def payload(scope: Scope) -> dict:
    """The scope as the worker receives it (JSON): everything the figures depend on."""
    p = scope.period
    return {
        "period": [p.key, p.first_day.isoformat(), p.last_day.isoformat(), str(p.zone), p.note],
        "teams": sorted(scope.team_ids),
        "channels": None if scope.channel_ids is None else sorted(scope.channel_ids),
        "visibility": scope.visibility,
        "priority": scope.priority,
        "assignee": scope.assignee_id,
        "tag": scope.tag_id,
        "params": scope.params,
    }


def scope_of(data: dict) -> Scope:
    key, first, last, zone, note = data["period"]
    return Scope(
        period=Period(key, date.fromisoformat(first), date.fromisoformat(last), ZoneInfo(zone), note),
        team_ids=tuple(data["teams"]),
        channel_ids=None if data["channels"] is None else tuple(data["channels"]),
        visibility=data["visibility"],
        priority=data["priority"],
        assignee_id=data["assignee"],
        tag_id=data["tag"],
        params=data["params"],
    )


def _key(kind: str, data: dict, extra: dict) -> str:
    # params only shape links, not figures: left out, so equal scopes share a snapshot.
    what = {k: v for k, v in data.items() if k not in ("params",)}
    what["period"] = what["period"][1:4]
    digest = hashlib.sha256(json.dumps([kind, what, extra], sort_keys=True).encode()).hexdigest()[:32]
    return f"reports:snapshot:{kind}:{digest}"


def read(kind: str, scope: Scope, *, ask: Callable[[str, dict, dict], object], **extra: object) -> Snapshot | None:
    """The newest snapshot of these figures, asking the worker (ask: the task's delay, which
    sla.tasks owns) for a fresh one when it is stale. None: none yet; the worker has been asked,
    and the page says so and polls."""
    data = payload(scope)
    if settings.PARLEY_REPORT_FRESH_SECONDS <= 0:
        return _compute(kind, scope, extra)
    key = _key(kind, data, extra)
    snapshot = cache.get(key)
    if snapshot is None or snapshot.age(timezone.now()) > settings.PARLEY_REPORT_FRESH_SECONDS:
        # One refresh at a time per scope, however many people have the page open.
        if cache.add(f"{key}:busy", 1, timeout=BUSY_SECONDS):
            ask(kind, data, extra)
            snapshot = cache.get(key) or snapshot
    return snapshot


def refresh(kind: str, data: dict, extra: dict) -> float:
    """Compute and keep one snapshot (the worker's side); returns the seconds it took."""
    key = _key(kind, data, extra)
    try:
        snapshot = _compute(kind, scope_of(data), extra)
        cache.set(key, snapshot, timeout=KEEP_SECONDS)
    finally:
        cache.delete(f"{key}:busy")
    return snapshot.seconds


def _compute(kind: str, scope: Scope, extra: dict) -> Snapshot:
    started, taken_at = time.perf_counter(), timezone.now()
    return Snapshot(KINDS[kind](scope, extra), taken_at, time.perf_counter() - started)
