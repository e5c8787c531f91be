"""Replaying a conversation's history against SLA targets: pure, no ORM.

The scorer rebuilds every clock from the timeline each time instead of nudging stored state, so a
retried task, an edited policy or a late event always lands on the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sla.clock import BusinessCalendar, add_business_time, business_time_between

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
CUSTOMER, AGENT, PENDING, OPEN, RESOLVED = "customer", "agent", "pending", "open", "resolved"
_ORDER = {RESOLVED: 0, PENDING: 1, OPEN: 2, AGENT: 3, CUSTOMER: 4}
ZERO = timedelta(0)


@dataclass(frozen=True)
class Targets:
    first_response: timedelta | None
    next_response: timedelta | None
    resolution: timedelta | None
    warning_percent: int | None = 80
    warning_before: timedelta | None = None

    def of(self, metric: str) -> timedelta | None:
        return {FIRST_RESPONSE: self.first_response, NEXT_RESPONSE: self.next_response, RESOLUTION: self.resolution}[metric]

    def warning_threshold(self, target: timedelta) -> timedelta | None:
        if self.warning_before is not None:
            return max(ZERO, target - self.warning_before)
        if self.warning_percent is not None:
            return target * self.warning_percent / 100
        return None


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # customer, agent, pending, open, resolved


@dataclass(frozen=True)
class Outcome:
    metric: str
    cycle: int
    sequence: int
    outcome: str  # achieved or breached
    started_at: datetime
    due_at: datetime
    happened_at: datetime
    responded_at: datetime | None
    business_seconds: int | None
    wall_seconds: int | None


@dataclass(frozen=True)
class Running:
    metric: str
    sequence: int
    started_at: datetime
    due_at: datetime | None  # None while paused
    warning_at: datetime | None
    breached_at: datetime | None


@dataclass(frozen=True)
class Evaluation:
    cycle: int
    paused: bool
    running: tuple[Running, ...]
    outcomes: tuple[Outcome, ...]
    state: str  # none, ok, paused, at_risk, breached
    due_at: datetime | None
    warning_at: datetime | None
    next_flag_at: datetime | None
    # While pending: the business time the nearest paused clock still has when it runs again.
    paused_left: timedelta | None = None

    def running_due(self, metric: str) -> Running | None:
        return next((r for r in self.running if r.metric == metric), None)


@dataclass
class _Clock:
    metric: str
    sequence: int
    started_at: datetime
    target: timedelta
    consumed: timedelta = ZERO
    resumed_at: datetime | None = None
    breached_at: datetime | None = None

    def elapsed(self, until: datetime, calendar: BusinessCalendar) -> timedelta:
        if self.resumed_at is None:
            return self.consumed
        return self.consumed + business_time_between(self.resumed_at, until, calendar)

    def due(self, calendar: BusinessCalendar) -> datetime | None:
        if self.resumed_at is None:
            return self.breached_at
        if self.consumed >= self.target:
            return self.breached_at or self.resumed_at
        return add_business_time(self.resumed_at, self.target - self.consumed, calendar)

    def instant_of(self, share: timedelta, calendar: BusinessCalendar) -> datetime | None:
        if self.resumed_at is None:
            return None
        if self.consumed >= share:
            return self.resumed_at
        return add_business_time(self.resumed_at, share - self.consumed, calendar)

    def pause(self, at: datetime, calendar: BusinessCalendar) -> None:
        if self.resumed_at is None:
            return
        due = self.due(calendar)
        if self.breached_at is None and due is not None and due <= at:
            self.breached_at = due
        self.consumed = self.elapsed(at, calendar)
        self.resumed_at = None

    def resume(self, at: datetime) -> None:
        if self.resumed_at is None:
            self.resumed_at = at


# A conversation's first customer message opens cycle 1 (0 is "before anyone wrote"); reports that
# want an arrival's own first response read this cycle's.
FIRST_CYCLE = 1


@dataclass
class _Replay:
    targets: Targets
    calendar: BusinessCalendar
    cycle: int = FIRST_CYCLE - 1
    in_cycle: bool = False
    paused: bool = False
    first_done: bool = False
    next_sequence: int = 0
    clocks: dict[str, _Clock] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    def start(self, metric: str, at: datetime, sequence: int = 0) -> None:
        target = self.targets.of(metric)
        if target is None:
            return
        clock = _Clock(metric=metric, sequence=sequence, started_at=at, target=target)
        if not self.paused:
            clock.resume(at)
        self.clocks[metric] = clock

    def complete(self, metric: str, at: datetime) -> None:
        clock = self.clocks.pop(metric, None)
        if clock is None:
            return
        elapsed = clock.elapsed(at, self.calendar)
        due = clock.due(self.calendar) or add_business_time(at, max(ZERO, clock.target - elapsed), self.calendar)
        breached = elapsed > clock.target
        if breached and clock.breached_at is None:
            clock.breached_at = due
        self.outcomes.append(
            Outcome(
                metric=metric,
                cycle=self.cycle,
                sequence=clock.sequence,
                outcome="breached" if breached else "achieved",
                started_at=clock.started_at,
                due_at=clock.breached_at if breached else due,
                happened_at=clock.breached_at if breached else at,
                responded_at=at,
                business_seconds=int(elapsed.total_seconds()),
                wall_seconds=int((at - clock.started_at).total_seconds()),
            )
        )

    def drop_unmet(self, metric: str, at: datetime) -> None:
        """Resolved without a reply: a response clock that had already breached stays breached."""
        clock = self.clocks.pop(metric, None)
        if clock is None:
            return
        clock.pause(at, self.calendar)
        if clock.breached_at is not None:
            self.outcomes.append(
                Outcome(
                    metric=metric,
                    cycle=self.cycle,
                    sequence=clock.sequence,
                    outcome="breached",
                    started_at=clock.started_at,
                    due_at=clock.breached_at,
                    happened_at=clock.breached_at,
                    responded_at=None,
                    business_seconds=None,
                    wall_seconds=None,
                )
            )

    def apply(self, entry: Entry) -> None:
        at, kind = entry.at, entry.kind
        if kind == CUSTOMER:
            if not self.in_cycle:
                self.cycle += 1
                self.in_cycle, self.first_done, self.next_sequence = True, False, 0
                self.paused = False
                self.start(FIRST_RESPONSE, at)
                self.start(RESOLUTION, at)
            elif self.first_done and NEXT_RESPONSE not in self.clocks:
                self.next_sequence += 1
                self.start(NEXT_RESPONSE, at, sequence=self.next_sequence)
        elif kind == AGENT and self.in_cycle:
            if FIRST_RESPONSE in self.clocks or not self.first_done:
                self.complete(FIRST_RESPONSE, at)
                self.first_done = True
            self.complete(NEXT_RESPONSE, at)
        elif kind == PENDING and self.in_cycle:
            self.paused = True
            for clock in self.clocks.values():
                clock.pause(at, self.calendar)
        elif kind == OPEN and self.in_cycle:
            self.paused = False
            for clock in self.clocks.values():
                clock.resume(at)
        elif kind == RESOLVED and self.in_cycle:
            for clock in self.clocks.values():
                clock.pause(at, self.calendar)
            self.complete(RESOLUTION, at)
            self.drop_unmet(FIRST_RESPONSE, at)
            self.drop_unmet(NEXT_RESPONSE, at)
            self.in_cycle, self.paused = False, False


def evaluate(*, timeline: list[Entry], targets: Targets, calendar: BusinessCalendar, now: datetime) -> Evaluation:
    replay = _Replay(targets=targets, calendar=calendar)
    for entry in sorted((e for e in timeline if e.at <= now), key=lambda e: (e.at, _ORDER[e.kind])):
        replay.apply(entry)
    running: list[Running] = []
    outcomes = list(replay.outcomes)
    for clock in replay.clocks.values():
        due = clock.due(calendar)
        threshold = targets.warning_threshold(clock.target)
        warning_at = clock.instant_of(threshold, calendar) if threshold is not None else None
        breached_at = clock.breached_at or (due if due is not None and due <= now else None)
        if breached_at is not None:
            outcomes.append(
                Outcome(
                    metric=clock.metric,
                    cycle=replay.cycle,
                    sequence=clock.sequence,
                    outcome="breached",
                    started_at=clock.started_at,
                    due_at=breached_at,
                    happened_at=breached_at,
                    responded_at=None,
                    business_seconds=None,
                    wall_seconds=None,
                )
            )
        running.append(
            Running(
                metric=clock.metric,
                sequence=clock.sequence,
                started_at=clock.started_at,
                due_at=due if clock.resumed_at is not None else None,
                warning_at=warning_at,
                breached_at=breached_at,
            )
        )
    active = [r for r in running if r.due_at is not None]
    earliest = min(active, key=lambda r: r.due_at) if active else None
    paused_left = None
    if replay.paused:
        lefts = [max(ZERO, c.target - c.consumed) for c in replay.clocks.values() if c.resumed_at is None]
        paused_left = min(lefts) if lefts else None
    if any(r.breached_at is not None for r in running):
        state = "breached"
    elif paused_left is not None:
        state = "paused"
    elif any(r.warning_at is not None and r.warning_at <= now for r in active):
        state = "at_risk"
    elif running:
        state = "ok"
    else:
        state = "none"
    upcoming = [instant for r in active for instant in (r.warning_at, r.due_at) if instant is not None and instant > now]
    return Evaluation(
        cycle=replay.cycle,
        paused=replay.paused,
        running=tuple(running),
        outcomes=tuple(outcomes),
        state=state,
        due_at=earliest.due_at if earliest else None,
        warning_at=earliest.warning_at if earliest else None,
        next_flag_at=min(upcoming) if upcoming else None,
        paused_left=paused_left,
    )
