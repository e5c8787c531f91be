"""What the workspace says to people: times in the reader's zone with the zone named, and every
timeline entry as a plain sentence with display names (never raw ids like first_response, never
usernames).

Templates reach these through inbox/templatetags/parley.py ({{ value|when }}); views call
timeline_entries(). A kind of event without a sentence here still reads as words (its kind with
spaces), but a new kind should get one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import Team, User
from inbox.models import ConversationEvent, ConversationStatus, Customer, Priority

METRICS = {
    "first_response": "first response",
    "next_response": "next response",
    "resolution": "resolution",
}
STATUSES = dict(ConversationStatus.choices)
PRIORITIES = dict(Priority.choices)
DELIVERY = {"sent": "Reply sent", "delivered": "Reply delivered", "read": "Reply read by the customer"}
CUSTOMER_MESSAGE = {
    "message_edited": "The customer edited a message",
    "message_removed": "The customer removed a message",
    "message_hidden": "A message was hidden on the platform",
    "message_unhidden": "A message was shown again on the platform",
}


def when(value: datetime | None, style: str = "") -> str:
    """A moment in the current (the reader's) zone, zone named: "Wed 2 Dec 14:05 CET"; "time": "14:05 CET";
    "full": "2026-12-02 14:05 CET"; "seconds" adds seconds."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    zone = local.tzname() or timezone.get_current_timezone_name()
    now = timezone.localtime()
    if style == "time":
        return f"{local:%H:%M} {zone}"
    if style == "seconds":
        return f"{local:%Y-%m-%d %H:%M:%S} {zone}"
    if style == "full":
        return f"{local:%Y-%m-%d %H:%M} {zone}"
    if local.date() == now.date():
        return f"today {local:%H:%M} {zone}"
    if local.year == now.year:
        return f"{local:%a} {local.day} {local:%b %H:%M} {zone}"
    return f"{local.day} {local:%b %Y %H:%M} {zone}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """1 character, 2 characters."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


PLATFORMS = {"x": "X", "facebook": "Facebook", "email": "Email"}


def identity_kind(kind: str) -> str:
    """An identity's namespace in words: "x" is X, "sim-email" is Email (simulated)."""
    simulated = kind.startswith("sim-")
    name = PLATFORMS.get(kind.removeprefix("sim-"), kind.removeprefix("sim-").capitalize())
    return f"{name} (simulated)" if simulated else name


def reply_kind(visibility: str, flavor: str) -> str:
    """How the composer names a kind of reply on a channel."""
    if visibility == "public":
        return "Public reply"
    return {"email": "Email", "facebook": "Private message (Messenger)", "x": "Direct message"}.get(flavor, "Private message")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str


class _Names:
    """Display names for the usernames and customer ids events carry, looked up once per timeline."""

    def __init__(self, events: list[ConversationEvent]) -> None:
        # Most assignments name their own actor (whoever replies takes it), already loaded.
        self.users = {e.actor.username: e.actor.display_name for e in events if e.actor_id}
        usernames = {e.data.get("to") for e in events if e.kind == "assigned"} - {None, ""} - set(self.users)
        if usernames:
            self.users.update({u.username: u.display_name for u in User.objects.filter(username__in=usernames)})
        ids = {e.data.get(k) for e in events if e.kind == "merged" for k in ("from_customer", "into_customer")}
        self.customers = {c.pk: c.name or f"customer #{c.pk}" for c in Customer.objects.filter(pk__in=ids - {None})}
        teams = {e.data.get(k) for e in events if e.kind == "channel_moved" for k in ("from_team", "to_team")}
        self.teams = {t.pk: t.name for t in Team.objects.filter(pk__in=teams - {None})}

    def user(self, username: str | None) -> str:
        return self.users.get(username or "", username or "nobody")

    def customer(self, pk: Any) -> str:
        return self.customers.get(pk, f"customer #{pk}")


def _actor(event: ConversationEvent) -> str:
    return event.actor.display_name if event.actor_id else ""


def _sentence(event: ConversationEvent, names: _Names) -> str:
    data, actor, kind = event.data or {}, _actor(event), event.kind
    by = f" by {actor}" if actor else ""
    if data.get("rule"):
        because = f": {data['because']}" if data.get("because") else ""
        return f"{data.get('summary') or kind.replace('_', ' ').capitalize()} by rule ‘{data['rule']}’{because}"
    if kind in ("tag_added", "tag_removed"):
        return f"{'Tagged' if kind == 'tag_added' else 'Tag removed:'} “{data.get('tag', '')}”{by}"
    if kind == "team":
        return f"Moved from team {data.get('from')} to {data.get('to')}{by}"
    if kind == "acknowledged":
        return f"Acknowledged automatically (out of hours): “{data.get('text', '')}”"
    if kind == "sla_policy":
        return f"SLA policy set to {data.get('to')}{by}"
    if kind == "created":
        return f"Conversation started on {data['channel']}" if data.get("channel") else "Conversation started"
    if kind == "reply":
        how = "in public" if data.get("visibility") == "public" else "privately"
        return f"{actor or 'An agent'} replied {how}"
    if kind == "note":
        return f"{actor or 'An agent'} added an internal note"
    if kind == "assigned":
        to = data.get("to")
        if not to:
            return f"{actor} unassigned it" if actor else "Unassigned"
        if not actor:
            return f"Assigned automatically to {names.user(to)}"
        if event.actor.username == to:
            return f"{actor} took it"
        return f"{actor} assigned it to {names.user(to)}"
    if kind in ("status", "reopened"):
        to = STATUSES.get(data.get("to"), data.get("to") or "")
        if data.get("by") == "customer":
            return f"{'Reopened' if kind == 'reopened' else 'Back to ' + to}: the customer wrote again"
        if kind == "reopened":
            return f"Reopened{by}"
        return f"{to}{by}" if to else f"Status changed{by}"
    if kind == "priority":
        return f"Priority set to {PRIORITIES.get(data.get('to'), data.get('to'))}{by}"
    if kind == "merged":
        return f"{names.customer(data.get('from_customer'))} merged into {names.customer(data.get('into_customer'))}{by}"
    if kind == "retry":
        return f"Delivery retried{by}"
    if kind.startswith("reply_") and kind[6:] in DELIVERY:
        return DELIVERY[kind[6:]]
    if kind == "reply_failed":
        return f"Reply not sent: {data['reason']}" if data.get("reason") else "Reply not sent"
    if kind == "bounced":
        return str(data.get("reason") or "The email bounced")
    if kind == "outbound_elsewhere":
        return "Answered from outside Parley"
    if kind in CUSTOMER_MESSAGE:
        return CUSTOMER_MESSAGE[kind]
    if kind == "channel_moved":
        return f"Moved to team {names.teams.get(data.get('to_team'), 'another team')} with its channel"
    if kind.startswith("sla_"):
        metric = METRICS.get(data.get("metric", ""), "")
        target = f"{metric.capitalize()} target" if metric else "Response target"
        outcome = kind[4:]
        if outcome == "revised":
            became = {"running": "running again", "achieved": "met by a later reply"}.get(data.get("to"), data.get("to") or "")
            return f"{target} no longer met: the reply that met it was not delivered; {became}".rstrip("; ")
        if outcome == "at_risk":
            return "A response is due soon (SLA at risk)"
        if outcome == "breached":
            return f"{target} missed (SLA breached)"
        if outcome == "achieved":
            return f"{target} met"
        return f"{target}: {outcome.replace('_', ' ')}"
    return kind.replace("_", " ").capitalize() + by


def timeline_entries(events: list[ConversationEvent]) -> list[TimelineEntry]:
    names = _Names(events)
    return [TimelineEntry(at=e.created_at, kind=e.kind, text=_sentence(e, names)) for e in events]
