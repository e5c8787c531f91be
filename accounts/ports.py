"""What accounts asks of the apps above it, plugged in by their AppConfig.ready() (inbox, sla).

accounts is the bottom layer: a deactivated agent's conversations go back to the queue, and a team
whose capacity grew hands out waiting work, but both are inbox writes; a team's new default calendar
means rescoring, the SLA engine's work. They are called here by
name, as inbox/ports.py does for the apps above the inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class StaffHooks:
    # (user, team ids or None for every team, actor) -> how many conversations went back to the queue
    release_conversations: Callable[[User, Iterable[int] | None, User | None], int]
    # team id: capacity or auto-assignment changed, hand out waiting conversations (after commit)
    capacity_changed: Callable[[int], None]


@dataclass(frozen=True)
class ScoringHooks:
    # (team id, team name): its default calendar changed, rescore its open conversations (call in the
    # saving transaction; the run starts after commit)
    team_calendar_changed: Callable[[int, str], None]


_provided: dict[str, Any] = {}


def provide(*, staff: StaffHooks | None = None, scoring: ScoringHooks | None = None) -> None:
    for name, value in (("staff", staff), ("scoring", scoring)):
        if value is not None:
            _provided[name] = value


def scoring() -> ScoringHooks:
    try:
        return cast(ScoringHooks, _provided["scoring"])
    except KeyError:
        raise ImproperlyConfigured("accounts port 'scoring' is not provided: is sla in INSTALLED_APPS?") from None


def staff() -> StaffHooks:
    try:
        return cast(StaffHooks, _provided["staff"])
    except KeyError:
        raise ImproperlyConfigured("accounts port 'staff' is not provided: is inbox in INSTALLED_APPS?") from None
