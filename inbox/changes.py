"""The hand-off from a committed write to the work that follows it (SLA scoring, push, assignment).

A Celery publish costs about a millisecond, several times an ingest's own database work, so with
Redis the change goes onto a Redis list (one cheap RPUSH) and a single drain task per burst works
through it; a drain already running picks up what arrives meanwhile. Nothing depends on the list
alone: a beat sweep rescores any recently changed conversation the scorer has not seen since.
Without Redis (the demo, embedded tests) the task runs directly.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)

DRAIN_BATCH = 500


def _keys() -> tuple[str, str]:
    prefix = f"parley-{settings.PARLEY_RUN_ID}" if settings.PARLEY_RUN_ID else "parley"
    return f"{prefix}:changes", f"{prefix}:changes:draining"


@lru_cache(maxsize=1)
def _redis():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def announce(*, conversation_id: int, team_id: int, reason: str) -> None:
    from inbox.tasks import conversation_changed, drain_changes

    if not settings.REDIS_URL:
        conversation_changed.delay(conversation_id, team_id, reason)
        return
    queue, flag = _keys()
    try:
        pipe = _redis().pipeline(transaction=False)
        pipe.rpush(queue, json.dumps([conversation_id, team_id, reason]))
        pipe.set(flag, "1", nx=True, ex=30)
        _, scheduled = pipe.execute()
    except Exception:
        # Redis unreachable: the beat sweep rescores this conversation, nothing is lost.
        logger.warning("change not announced", extra={"conversation_id": conversation_id}, exc_info=True)
        return
    if scheduled:
        drain_changes.delay()


def drain() -> int:
    """Process announced changes until the list is empty; returns how many were handled."""
    from inbox.tasks import handle_change

    queue, flag = _keys()
    client = _redis()
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
        # Several changes of one conversation in a batch need one pass: keep the last reason.
        latest: dict[int, tuple[int, str]] = {}
        for raw in items:
            conversation_id, team_id, reason = json.loads(raw)
            previous = latest.get(conversation_id)
            keep = reason if previous is None or reason != "message" else previous[1]
            latest[conversation_id] = (team_id, keep)
        try:
            for conversation_id, (team_id, reason) in latest.items():
                handle_change(conversation_id, team_id, reason)
                handled += 1
        except Exception:
            # Let the next announcement schedule a new drain at once; the sweep covers this batch.
            client.delete(flag)
            raise
        client.expire(flag, 30)
