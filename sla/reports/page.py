"""The figures shaped for the page: labels for ids, waits in words, and each figure's link to the
conversations behind it (the drill-down, with the same filters plus the figure's own)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import Team, User
from inbox.models import Channel, Priority, Tag
from sla.models import Outcome
from sla.reports import figures
from sla.reports.filters import Scope

TITLES = {"channel": "By channel", "team": "By team", "agent": "By agent", "priority": "By priority"}


def wait(seconds: float | None) -> str:
    """A wait as a person reads it: 45s, 12m, 3h 05m, 2d 4h."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


@dataclass(frozen=True)
class MetricRow:
    label: str
    met: str
    met_href: str
    breaches: int
    breaches_href: str
    # p50, p90, p95: (business time, real waiting time)
    times: list[tuple[str, str]]


@dataclass(frozen=True)
class GroupRows:
    label: str
    conversations_in: int
    conversations_href: str
    replies_out: int
    metrics: list[MetricRow]


@dataclass(frozen=True)
class Table:
    dimension: str
    title: str
    groups: list[GroupRows]


def href(scope: Scope, **extra: str) -> str:
    return f"{reverse('sla_reports:conversations')}?{scope.query_string(**extra)}"


def metric_rows(
    scope: Scope, by_metric: dict[str, figures.MetricFigures], group: dict[str, str], *, linked: bool = True
) -> list[MetricRow]:
    rows = []
    for metric in figures.METRICS:
        f = by_metric.get(metric) or figures.MetricFigures(
            metric, 0, 0, figures.Times(None, None, None), figures.Times(None, None, None)
        )
        met = "—" if f.met_percent is None else f"{f.met_percent:.0f}%"
        rows.append(
            MetricRow(
                label=f.label,
                met=met,
                met_href=href(scope, **group, metric=metric) if linked else "",
                breaches=f.breached,
                breaches_href=href(scope, **group, metric=metric, outcome=Outcome.BREACHED) if linked else "",
                times=[
                    (wait(b), wait(r))
                    for b, r in zip(
                        (f.business.p50, f.business.p90, f.business.p95), (f.real.p50, f.real.p90, f.real.p95), strict=True
                    )
                ],
            )
        )
    return rows


def _labels(dimension: str, keys: set[object]) -> dict[object, str]:
    ids = [k for k in keys if k is not None]
    if dimension == "channel":
        return dict(Channel.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "agent":
        return {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)} | {None: "Unassigned"}
    return {k: Priority(k).label for k in ids if k in Priority.values}


def tables(scope: Scope, grouped: figures.Grouped, counts: dict[str, dict[object, tuple[int, int]]]) -> list[Table]:
    out = []
    for dimension, param in (("channel", "channel"), ("team", "team"), ("agent", "agent"), ("priority", "priority")):
        keys = set(grouped[dimension]) | set(counts[dimension])
        labels = _labels(dimension, keys)
        groups = []
        for key in sorted(keys, key=lambda k: (k is None, labels.get(k, str(k)).lower())):
            # Unassigned has no filter of its own: its figures link to nothing narrower than the page.
            group = {param: str(key)} if key is not None else {}
            came, sent = counts[dimension].get(key, (0, 0))
            groups.append(
                GroupRows(
                    label=labels.get(key, str(key)),
                    conversations_in=came,
                    conversations_href=href(scope, **group) if group else "",
                    replies_out=sent,
                    metrics=metric_rows(scope, grouped[dimension].get(key, {}), group, linked=bool(group)),
                )
            )
        out.append(Table(dimension, TITLES[dimension], groups))
    return out


@dataclass(frozen=True)
class TagRow:
    name: str
    report_href: str  # the whole report for this tag
    conversations_in: int
    conversations_href: str
    channels: list[tuple[str, int, str]]  # (channel, conversations in, their drill-down)
    breaches: int


def tag_rows(scope: Scope, counts: list[figures.TagCounts]) -> list[TagRow]:
    names = dict(Tag.objects.filter(pk__in=[c.tag_id for c in counts]).values_list("pk", "name"))
    channels = _labels("channel", {channel for c in counts for channel in c.conversations_in})
    rows = []
    for c in sorted(counts, key=lambda c: (-c.total_in, names.get(c.tag_id, "").lower())):
        tag = str(c.tag_id)
        by_channel = sorted(c.conversations_in.items(), key=lambda item: (-item[1], channels.get(item[0], "")))
        rows.append(
            TagRow(
                name=names.get(c.tag_id, tag),
                report_href=f"{reverse('sla_reports:index')}?{scope.query_string(tag=tag)}",
                conversations_in=c.total_in,
                conversations_href=href(scope, tag=tag),
                channels=[(channels.get(pk, str(pk)), n, href(scope, tag=tag, channel=str(pk))) for pk, n in by_channel],
                breaches=c.breaches,
            )
        )
    return rows
