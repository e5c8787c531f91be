"""What the core asks of the code built on it, plugged in once when Django starts.

inbox/ is the core: the connectors (channels_app/) and the SLA engine (sla/) import it, and it
imports neither. Where the core needs one of their answers (may this reply go out on its channel?
send it; rescore this conversation) it calls a port here, and each app provides its part in its
AppConfig.ready(). inbox's own Celery tasks are plugged in the same way, because the writes that
announce a change are also called by the worker that handles one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from inbox.models import Conversation


class ReplyRefused(ValueError):
    """The composer must not send this reply; the text says why, in the agent's words."""


class ChannelRules(Protocol):
    """The connectors, as the core sees them (channels_app.registry provides this)."""

    def reply_limits(self, conversation: Conversation) -> dict[str, Any]:
        """What the composer shows before sending: the channel's limits and windows."""
        ...

    def check_reply(self, conversation: Conversation, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        """Raise ReplyRefused with the reason when the channel would refuse this reply."""
        ...

    def enqueue_delivery(self, message_id: int) -> None:
        """Hand a queued reply to the worker that posts it (called after commit)."""
        ...


@dataclass(frozen=True)
class ChangeWorker:
    """inbox.tasks, as inbox.changes sees it: how a committed change reaches the worker."""

    handle: Callable[[int, int, str], None]  # (conversation id, team id, reason), enqueued
    drain: Callable[[], None]  # enqueue one drain of the Redis change list


@dataclass(frozen=True)
class Automation:
    """The rules engine (automation/), as the core and the SLA engine see it. Both are called in the
    worker; without the app installed nothing follows (the core works without rules)."""

    changed: Callable[[int, str], None]  # (conversation id, change reason), after the change's followups
    # A commit's flags, [(conversation id, "sla_at_risk" or "sla_breached", key)], after commit: a
    # rescoring batch may flag hundreds, sent to the worker as one task, not one each.
    flagged: Callable[[list[tuple[int, str, str]]], None]


_provided: dict[str, Any] = {}


def provide(
    *,
    channels: ChannelRules | None = None,
    rescore: Callable[[int], None] | None = None,
    change_worker: ChangeWorker | None = None,
    automation: Automation | None = None,
) -> None:
    provided = (("channels", channels), ("rescore", rescore), ("change_worker", change_worker), ("automation", automation))
    for name, value in provided:
        if value is not None:
            _provided[name] = value


def _get(name: str) -> Any:
    try:
        return _provided[name]
    except KeyError:
        raise ImproperlyConfigured(f"inbox port {name!r} is not provided: is its app in INSTALLED_APPS?") from None


def channels() -> ChannelRules:
    return cast(ChannelRules, _get("channels"))


def rescore(conversation_id: int) -> None:
    """Score the conversation against its SLA policy now (sla.scoring provides this)."""
    _get("rescore")(conversation_id)


def change_worker() -> ChangeWorker:
    return cast(ChangeWorker, _get("change_worker"))


def automation_changed(conversation_id: int, reason: str) -> None:
    """Run the rules a committed change may set off (automation.engine provides this)."""
    hooks = _provided.get("automation")
    if hooks is not None:
        hooks.changed(conversation_id, reason)


def automation_flagged(flags: list[tuple[int, str, str]]) -> None:
    """The scorer flagged warnings or breaches: tell the people and rules that wait for them."""
    hooks = _provided.get("automation")
    if hooks is not None:
        hooks.flagged(flags)
