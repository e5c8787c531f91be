"""Writes to teams: add, rename and settings, members and supervisors, capacities, archive.

Capacity and auto-assignment changes hand out waiting work (accounts.ports, after commit); members
who leave give their conversations of this team back to the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import audit, ports
from accounts.models import Team, User

SETTINGS = ("name", "default_calendar", "auto_assign", "assignment_order", "archived_at")


class TeamError(ValueError):
    """The change cannot be made; the text says why, for the admin."""


def _people(team: Team) -> dict[str, Any]:
    return {
        "members": sorted(u.username for u in team.members.all()),
        "supervisors": sorted(u.username for u in team.supervisors.all()),
    }


def create_team(*, actor: User | None, name: str, ip_address: str = "", **settings: Any) -> Team:
    name = name.strip()
    if Team.objects.filter(name__iexact=name).exists():
        raise TeamError(f"There is already a team called {name}.")
    with transaction.atomic():
        team = Team.objects.create(name=name, **settings)
        audit.record("team.created", actor=actor, target=team, after=audit.snapshot(team, SETTINGS), ip_address=ip_address)
    return team


def update_team(
    *,
    actor: User | None,
    team: Team,
    members: Iterable[User] | None = None,
    supervisors: Iterable[User] | None = None,
    capacities: Mapping[int, int] | None = None,
    ip_address: str = "",
    **settings: Any,
) -> Team:
    """Settings (name, default calendar, auto-assignment, order), people, and each member's capacity.

    capacities: user id -> how many open plus pending conversations automatic assignment gives them.
    """
    if "name" in settings:
        settings["name"] = settings["name"].strip()
        if Team.objects.filter(name__iexact=settings["name"]).exclude(pk=team.pk).exists():
            raise TeamError(f"There is already a team called {settings['name']}.")
    with transaction.atomic():
        before = {**audit.snapshot(team, SETTINGS), **_people(team)}
        for name, value in settings.items():
            setattr(team, name, value)
        team.save()
        if members is not None:
            wanted = {u.pk for u in members}
            leaving = list(team.members.exclude(pk__in=wanted))
            team.members.set(list(wanted))
            for user in leaving:
                ports.staff().release_conversations(user, [team.pk], actor)
        if supervisors is not None:
            team.supervisors.set([u.pk for u in supervisors])
        capacity_before = dict(team.members.values_list("username", "capacity"))
        grew = False
        for user_id, capacity in (capacities or {}).items():
            updated = User.objects.filter(pk=user_id, teams=team).exclude(capacity=capacity)
            grew = grew or updated.filter(capacity__lt=capacity).exists()
            updated.update(capacity=capacity)
        after = {**audit.snapshot(team, SETTINGS), **_people(team)}
        capacity_after = dict(team.members.values_list("username", "capacity"))
        changed_caps = {n: c for n, c in capacity_after.items() if capacity_before.get(n) != c}
        if changed_caps:
            before["capacity"] = {n: capacity_before.get(n) for n in changed_caps}
            after["capacity"] = changed_caps
        if before["default_calendar"] != after["default_calendar"]:
            ports.scoring().team_calendar_changed(team.pk, team.name)
        if before != after:
            audit.record("team.updated", actor=actor, target=team, before=before, after=after, ip_address=ip_address)
        if team.auto_assign and (grew or not before["auto_assign"] or members is not None):
            team_id = team.pk
            transaction.on_commit(lambda: ports.staff().capacity_changed(team_id))
    return team


def archive_team(*, actor: User | None, team: Team, live_channels: Iterable[str] = (), ip_address: str = "") -> None:
    """An archived team keeps its conversations and history; its channels must be moved or disabled first.

    live_channels: the names of its channels still taking messages (asked of the inbox by the caller).
    """
    live = list(live_channels)
    if live:
        raise TeamError(f"{team.name} still has channels taking messages: {', '.join(live)}. Move or disable them first.")
    with transaction.atomic():
        team.archived_at = timezone.now()
        team.auto_assign = False
        team.save(update_fields=["archived_at", "auto_assign"])
        audit.record(
            "team.archived", actor=actor, target=team, before={"archived": False}, after={"archived": True}, ip_address=ip_address
        )


def restore_team(*, actor: User | None, team: Team, ip_address: str = "") -> None:
    with transaction.atomic():
        team.archived_at = None
        team.save(update_fields=["archived_at"])
        audit.record(
            "team.restored", actor=actor, target=team, before={"archived": True}, after={"archived": False}, ip_address=ip_address
        )
