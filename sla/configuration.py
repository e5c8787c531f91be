"""Writes to SLA settings: calendars and policies saved or deleted, each audited and rescored.

Saving starts a background rescoring of the open conversations the edit touches (sla.rescoring)
and returns its run, whose progress the page shows. A calendar or policy is deleted only when
nothing uses it; otherwise the error names what does.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts import audit
from accounts.models import User
from inbox.models import ConversationStatus
from sla.forms import CalendarForm, PolicyForm
from sla.models import BusinessCalendar, RescoreRun, SlaClock, SlaPolicy
from sla.tasks import start_rescore

CALENDAR_FIELDS = ("name", "timezone", "always_open", "weekly_hours", "holiday_country", "holiday_subdivision")
# The audit records what an admin can edit: the form's fields.
POLICY_FIELDS = tuple(PolicyForm.Meta.fields)


class InUse(ValueError):
    """Deleting this would leave something without it; the text says what uses it."""


def _calendar_state(calendar: BusinessCalendar) -> dict[str, Any]:
    if calendar.pk is None:
        return {}
    return {
        **audit.snapshot(calendar, CALENDAR_FIELDS),
        "closed_dates": [f"{h.date.isoformat()} {h.name}".strip() for h in calendar.custom_holidays.all()],
    }


def save_calendar(*, form: CalendarForm, actor: User | None, ip_address: str = "") -> tuple[BusinessCalendar, RescoreRun]:
    with transaction.atomic():
        calendar = audit.save_form(form, thing="calendar", state=_calendar_state, actor=actor, ip_address=ip_address)
        run = start_rescore(label=f"Calendar {calendar.name} saved", calendar=calendar)
    return calendar, run


def save_policy(*, form: PolicyForm, actor: User | None, ip_address: str = "") -> tuple[SlaPolicy, RescoreRun]:
    with transaction.atomic():
        policy = audit.save_form(
            form, thing="policy", state=lambda p: audit.snapshot(p, POLICY_FIELDS), actor=actor, ip_address=ip_address
        )
        # A policy edit may change which policy matches any conversation: all open ones are rescored.
        run = start_rescore(label=f"Policy {policy.name} saved")
    return policy, run


def calendar_users(calendar: BusinessCalendar) -> list[str]:
    policies = [f"policy {p.name}" for p in SlaPolicy.objects.filter(calendar=calendar)]
    teams = [f"team {t.name} (default calendar)" for t in calendar.default_for_teams.all()]
    return policies + teams


def policy_users(policy: SlaPolicy) -> list[str]:
    live = SlaClock.objects.filter(policy=policy).exclude(conversation__status=ConversationStatus.RESOLVED).count()
    return [f"{live} open or pending conversation{'s' if live != 1 else ''} measured by it"] if live else []


def delete_calendar(*, calendar: BusinessCalendar, actor: User | None, ip_address: str = "") -> None:
    users = calendar_users(calendar)
    if users:
        raise InUse(f"{calendar.name} is used by {', '.join(users)}. Choose another calendar there first.")
    with transaction.atomic():
        before = _calendar_state(calendar)
        audit.record("calendar.deleted", actor=actor, target=calendar, before=before, changes_only=False, ip_address=ip_address)
        calendar.delete()


def delete_policy(*, policy: SlaPolicy, actor: User | None, ip_address: str = "") -> None:
    """Past outcomes it measured stay on the dashboards (their policy link is cleared)."""
    users = policy_users(policy)
    if users:
        raise InUse(
            f"{policy.name} still measures {users[0].split(' measured')[0]}. "
            "Narrow it or let those conversations resolve first; another policy can take them over."
        )
    with transaction.atomic():
        before = audit.snapshot(policy, POLICY_FIELDS)
        audit.record("policy.deleted", actor=actor, target=policy, before=before, changes_only=False, ip_address=ip_address)
        policy.delete()
