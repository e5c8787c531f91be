"""Reads for the SLA dashboard, team-scoped by the caller (inbox.selectors.visible_team_ids)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from inbox.models import Channel, Conversation, ConversationStatus
from sla.models import Metric, SlaEvent


@dataclass(frozen=True)
class OutcomeRow:
    channel_kind: str
    metric: str
    achieved: int
    breached: int
    median_business_minutes: float | None
    median_wall_minutes: float | None

    @property
    def rate(self) -> float:
        total = self.achieved + self.breached
        return 100.0 * self.achieved / total if total else 0.0


def outcome_summary(*, team_ids: list[int], since: datetime) -> list[OutcomeRow]:
    """Achieved and breached per channel and metric, with both clocks: business and real waiting."""
    groups: dict[tuple[str, str], list[SlaEvent]] = {}
    events = SlaEvent.objects.filter(team_id__in=team_ids, happened_at__gte=since).only(
        "channel_kind", "metric", "outcome", "business_seconds", "wall_seconds"
    )
    for event in events:
        groups.setdefault((event.channel_kind, event.metric), []).append(event)
    rows = []
    for (kind, metric), items in sorted(groups.items()):
        business = [e.business_seconds / 60 for e in items if e.business_seconds is not None]
        wall = [e.wall_seconds / 60 for e in items if e.wall_seconds is not None]
        rows.append(
            OutcomeRow(
                channel_kind=kind,
                metric=Metric(metric).label,
                achieved=sum(e.outcome == "achieved" for e in items),
                breached=sum(e.outcome == "breached" for e in items),
                median_business_minutes=statistics.median(business) if business else None,
                median_wall_minutes=statistics.median(wall) if wall else None,
            )
        )
    return rows


def live_counts(*, team_ids: list[int]) -> dict[str, int]:
    open_ = Conversation.objects.filter(team_id__in=team_ids).exclude(status=ConversationStatus.RESOLVED)
    return {
        "open": open_.count(),
        "at_risk": open_.filter(sla_state="at_risk").count(),
        "breached": open_.filter(sla_state="breached").count(),
    }


@dataclass(frozen=True)
class TagRow:
    tag: str
    channel_kind: str
    conversations: int
    open: int
    breached: int


def tag_summary(*, team_ids: list[int], since: datetime) -> list[TagRow]:
    """What customers ask about on which channel: conversations started in the period, per tag and
    channel kind (a simulated X channel counts as x), with how many are open and breached now."""
    flavors = {c.pk: c.flavor for c in Channel.objects.filter(team_id__in=team_ids).only("pk", "kind", "config")}
    counts: dict[tuple[str, str], list[int]] = {}
    tagged = Conversation.objects.filter(team_id__in=team_ids, created_at__gte=since, tags__isnull=False).values_list(
        "tags__name", "channel_id", "status", "sla_state"
    )
    for tag, channel_id, status, sla_state in tagged:
        row = counts.setdefault((tag, flavors.get(channel_id, "")), [0, 0, 0])
        row[0] += 1
        row[1] += status != ConversationStatus.RESOLVED
        row[2] += sla_state == "breached"
    ordered = sorted(counts.items(), key=lambda item: (item[0][0].lower(), item[0][1]))
    return [TagRow(tag, kind, *numbers) for (tag, kind), numbers in ordered]
