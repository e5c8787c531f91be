"""What a report covers: the period and the filters, limited to the teams the user may see.

One form for every report page, the drill-down and the export, so a link from a figure carries
exactly the filters that made it (Scope.query_string).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q

from accounts.models import Team, User
from inbox.models import Channel, Conversation, Priority, Tag, Visibility
from inbox.selectors import visible_team_ids
from sla.reports.periods import CHOICES, DEFAULT, Period, parse_period

CHANNEL_KINDS = (("x", "X"), ("facebook", "Facebook"), ("email", "Email"))


@dataclass(frozen=True)
class Scope:
    """The rows a report reads: the conversations of these teams and channels, in this period."""

    period: Period
    team_ids: tuple[int, ...]
    channel_ids: tuple[int, ...] | None = None  # None: every channel of the teams
    visibility: str = ""
    priority: str = ""
    assignee_id: int | None = None
    tag_id: int | None = None
    params: dict[str, str] = field(default_factory=dict)  # the filters as asked, for links

    def query_string(self, **extra: str) -> str:
        return urlencode({**self.params, **{k: v for k, v in extra.items() if v}})

    def conversation_filter(self, prefix: str = "") -> Q:
        """The filters (not the period) as a Q over inbox.Conversation, or over a relation to it."""
        return self._columns(prefix) & self._tagged(f"{prefix}pk")

    def event_filter(self) -> Q:
        """The same over sla.SlaEvent, whose report columns are copies of its conversation's."""
        return self._columns("") & self._tagged("conversation_id")

    def _tagged(self, conversation_id: str) -> Q:
        # A subquery on the tags table: one clause whatever the model (events carry no tags).
        if self.tag_id is None:
            return Q()
        tagged = Conversation.tags.through.objects.filter(tag_id=self.tag_id).values("conversation_id")
        return Q(**{f"{conversation_id}__in": tagged})

    def _columns(self, prefix: str) -> Q:
        q = Q(**{f"{prefix}team_id__in": self.team_ids})
        if self.channel_ids is not None:
            q &= Q(**{f"{prefix}channel_id__in": self.channel_ids})
        if self.visibility:
            q &= Q(**{f"{prefix}visibility": self.visibility})
        if self.priority:
            q &= Q(**{f"{prefix}priority": self.priority})
        if self.assignee_id is not None:
            q &= Q(**{f"{prefix}assignee_id": self.assignee_id})
        return q


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(choices=CHOICES, required=False, initial=DEFAULT)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    channel = forms.ModelChoiceField(queryset=Channel.objects.none(), required=False, empty_label="All channels")
    channel_kind = forms.ChoiceField(choices=(("", "Any kind"), *CHANNEL_KINDS), required=False, label="Channel kind")
    visibility = forms.ChoiceField(choices=(("", "Public and private"), *Visibility.choices), required=False)
    priority = forms.ChoiceField(choices=(("", "Any priority"), *Priority.choices), required=False)
    agent = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Any agent")
    tag = forms.ModelChoiceField(queryset=Tag.objects.order_by("name"), required=False, empty_label="Any tag")

    def __init__(self, data: dict[str, str], *, team_ids: list[int]) -> None:
        super().__init__(data)
        # "from" and "to" are Python keywords, so these two fields cannot be class attributes.
        dates = {
            name: forms.DateField(required=False, label=name.title(), widget=forms.DateInput(attrs={"type": "date"}))
            for name in ("from", "to")
        }
        self.fields = {"period": self.fields.pop("period"), **dates, **self.fields}
        self.team_ids = team_ids
        self.fields["team"].queryset = Team.objects.filter(pk__in=team_ids)
        self.fields["channel"].queryset = Channel.objects.filter(team_id__in=team_ids).order_by("name")
        self.fields["agent"].queryset = (
            User.objects.filter(teams__in=team_ids, is_active=True).distinct().order_by("first_name", "username")
        )
        self.fields["agent"].label_from_instance = lambda user: user.display_name


# The query parameter names, kept short and stable: they appear in every shared link.
PARAMS = ("period", "from", "to", "team", "channel", "channel_kind", "visibility", "priority", "agent", "tag")


def report_scope(*, user: User, params: dict[str, str], zone: ZoneInfo, now: datetime) -> tuple[Scope, ReportFilterForm]:
    """The scope the user asked for, never wider than the teams they may see; an unknown or
    foreign id in the filters is dropped (the form says so) rather than widening or failing."""
    team_ids = visible_team_ids(user=user)
    asked = {name: str(params.get(name, "")) for name in PARAMS if params.get(name)}
    form = ReportFilterForm(asked, team_ids=team_ids)
    form.is_valid()
    clean = form.cleaned_data
    period = parse_period(asked, zone=zone, now=now)
    teams = (clean["team"].pk,) if clean.get("team") else tuple(team_ids)
    channels = Channel.objects.filter(team_id__in=teams)
    channel_ids: tuple[int, ...] | None = None
    if clean.get("channel"):
        channel_ids = (clean["channel"].pk,) if clean["channel"].team_id in teams else ()
    if clean.get("channel_kind"):
        kind_ids = tuple(c.pk for c in channels.only("pk", "kind", "config") if c.flavor == clean["channel_kind"])
        channel_ids = kind_ids if channel_ids is None else tuple(i for i in channel_ids if i in kind_ids)
    scope = Scope(
        period=period,
        team_ids=teams,
        channel_ids=channel_ids,
        visibility=clean.get("visibility") or "",
        priority=clean.get("priority") or "",
        assignee_id=clean["agent"].pk if clean.get("agent") else None,
        tag_id=clean["tag"].pk if clean.get("tag") else None,
        params={k: v for k, v in asked.items() if k not in form.errors and not (k in ("from", "to") and period.key != "custom")},
    )
    return scope, form
