"""The report's CSV: one row per conversation that came in during the period, with the filters.

Streamed in keyset chunks by id (never OFFSET, never the whole period in memory): per chunk one
query for the conversations with their names, one for their SLA outcomes, one for their tags.
First response is the first cycle's; resolution the last cycle's (a reopened conversation is
resolved when its last cycle is); breaches count every breached clock of the conversation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse

from accounts import spreadsheets
from accounts.models import Team, User
from inbox.models import Channel, Conversation
from sla.models import Metric, Outcome, SlaEvent
from sla.reports.figures import conversations_in
from sla.reports.filters import Scope

CHUNK = 5000
HEADER = (
    "id", "url", "channel", "team", "customer", "assignee", "priority", "status", "created",
    "first response, business seconds", "first response, real seconds",
    "resolution, business seconds", "resolution, real seconds", "breaches", "tags",
)  # fmt: skip


def csv_lines(scope: Scope, *, progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The header, then one line per conversation; progress (if given) hears the rows done after each chunk."""
    writer = spreadsheets.line_writer()
    yield spreadsheets.line(writer, HEADER)
    base = settings.PARLEY_PUBLIC_URL.rstrip("/")
    link = reverse("inbox:conversation", args=[0]).replace("/0/", "/{}/")
    zone = scope.period.zone
    rows = conversations_in(scope).order_by("id")
    # A handful of channels, teams and people: named from memory rather than joined on every row.
    # Every one of them: a conversation moved to another team keeps its channel, an assignee may have left.
    channels = dict(Channel.objects.values_list("pk", "name"))
    teams = dict(Team.objects.filter(pk__in=scope.team_ids).values_list("pk", "name"))
    people = dict(User.objects.values_list("pk", "username"))
    after, done = 0, 0
    while True:
        chunk = list(
            rows.filter(id__gt=after).values_list(
                "id", "channel_id", "team_id",
                Coalesce(NullIf("customer__name", Value("")), "identity__handle"),
                "assignee_id",
                "priority", "status", "created_at",
            )[:CHUNK]
        )  # fmt: skip
        if not chunk:
            return
        ids = (chunk[0][0], chunk[-1][0])
        # By id range, not an IN list of 2000: the outcomes and tags of conversations between them
        # that are not in the export are read and never looked up, which costs less than the list.
        clocks, breaches = _outcomes(ids)
        tags = _tags(ids)
        for pk, channel_id, team_id, customer, assignee_id, priority, status, created in chunk:
            first = clocks.get((pk, Metric.FIRST_RESPONSE), (None, None))
            resolution = clocks.get((pk, Metric.RESOLUTION), (None, None))
            yield spreadsheets.line(
                writer,
                (
                    pk, base + link.format(pk), channels.get(channel_id, ""), teams.get(team_id, ""), customer,
                    people.get(assignee_id, "") if assignee_id else "", priority, status,
                    created.astimezone(zone).isoformat(timespec="seconds"),
                    *first, *resolution, breaches.get(pk, 0), tags.get(pk, ""),
                ),
            )  # fmt: skip
        after, done = ids[1], done + len(chunk)
        if progress is not None:
            progress(done)


def _outcomes(ids: tuple[int, int]) -> tuple[dict[tuple[int, str], tuple[int | None, int | None]], dict[int, int]]:
    clocks: dict[tuple[int, str], tuple[int | None, int | None]] = {}
    breaches: dict[int, int] = defaultdict(int)
    rows = (
        SlaEvent.objects.filter(conversation_id__gte=ids[0], conversation_id__lte=ids[1])
        .order_by("conversation_id", "metric", "cycle", "sequence")
        .values_list("conversation_id", "metric", "cycle", "outcome", "business_seconds", "wall_seconds")
    )
    for pk, metric, _cycle, outcome, business, wall in rows:
        key = (pk, metric)
        # Ordered by cycle: the first first-response is kept, the last resolution wins.
        if metric == Metric.FIRST_RESPONSE and key not in clocks or metric == Metric.RESOLUTION:
            clocks[key] = (business, wall)
        breaches[pk] += outcome == Outcome.BREACHED
    return clocks, breaches


def _tags(ids: tuple[int, int]) -> dict[int, str]:
    through = Conversation.tags.through.objects.filter(conversation_id__gte=ids[0], conversation_id__lte=ids[1])
    if connection.vendor == "postgresql":
        grouped = through.values("conversation_id").annotate(names=StringAgg("tag__name", "; ", order_by="tag__name"))
        return {row["conversation_id"]: row["names"] for row in grouped}
    names: dict[int, list[str]] = defaultdict(list)
    for pk, name in through.order_by("tag__name").values_list("conversation_id", "tag__name"):
        names[pk].append(name)
    return {pk: "; ".join(values) for pk, values in names.items()}
