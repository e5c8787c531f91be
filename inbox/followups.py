"""What follows a committed change, in the worker: rescore, push, auto-assign, rules (see inbox.changes)."""

from __future__ import annotations

import json

from inbox import assignment, events, ports
from inbox.changes import REASONS, redis_client, redis_keys

DRAIN_BATCH = 500


def handle(conversation_id: int, team_id: int, reason: str) -> None:
    """Everything that follows a committed change, in the worker, off the request and ingest path."""
    follow = REASONS[reason]
    if follow.rescore:
        ports.rescore(conversation_id)
    events.push_now(conversation_id=conversation_id, team_id=team_id, reason=reason)
    if follow.assign:
        assignment.assign_waiting(team_id=team_id)
    ports.automation_changed(conversation_id, reason)


def drain() -> int:
    """Process announced changes until the list is empty; returns how many were handled."""
    queue, flag = redis_keys()
    client = redis_client()
    handled = 0
    while True:
        items = client.lpop(queue, DRAIN_BATCH) or []
        if not items:
            client.delete(flag)
            # A change announced between the empty read and the delete saw the flag still set and
            # scheduled nothing: look once more after clearing it.
            if not client.llen(queue) or not client.set(flag, "1", nx=True, ex=30):
                return handled
            continue
        try:
            for conversation_id, (team_id, reason) in _coalesce(items).items():
                handle(conversation_id, team_id, reason)
                handled += 1
        except Exception:
            # Let the next announcement schedule a new drain at once; the sweep covers this batch.
            client.delete(flag)
            raise
        client.expire(flag, 30)


def _coalesce(items: list[bytes]) -> dict[int, tuple[int, str]]:
    """Several changes of one conversation in a batch need one pass: keep the one that does most."""
    latest: dict[int, tuple[int, str]] = {}
    for raw in items:
        conversation_id, team_id, reason = json.loads(raw)
        previous = latest.get(conversation_id)
        if previous is not None:
            reason = _merged(previous[1], reason)
        latest[conversation_id] = (team_id, reason)
    return latest


def _merged(kept: str, new: str) -> str:
    """One reason that sets off what either would."""
    a, b = REASONS[kept], REASONS[new]
    if a.customer_message or b.customer_message:
        # A customer's message followed by, say, a priority change must still reach the rules
        # (they run on a message reason only): keep a message reason, one that assigns if either did.
        return "new_conversation" if a.assign or b.assign else "message"
    return kept if _weight(kept) > _weight(new) else new


def _weight(reason: str) -> int:
    follow = REASONS[reason]
    return 2 * follow.rescore + follow.assign
