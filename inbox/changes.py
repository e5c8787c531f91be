"""One path from every write to what follows it: rescoring, the push to browsers, auto-assignment.

Every action that changes a conversation calls announce() inside its transaction, with a reason.
After commit the change goes to the worker, where inbox.followups.handle() does what REASONS says
the reason sets off. (The handler is a module of its own because auto-assignment is a write that
announces in turn: one module for both would import itself in a circle.)

A Celery publish costs about a millisecond, several times an ingest's own database work, so with
Redis the change goes onto a Redis list (one cheap RPUSH) and a single drain task per burst works
through it; a drain already running picks up what arrives meanwhile. Nothing depends on the list
alone: a beat sweep (sla.rescoring.sweep_unscored) rescores any recently changed conversation the
scorer has not seen since. Without Redis (the demo, embedded tests) the task runs directly.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings
from django.db import transaction

from inbox import ports

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Follow:
    rescore: bool  # the SLA clocks may have moved
    assign: bool = False  # work or capacity may have freed up for automatic assignment
    customer_message: bool = False  # a customer wrote: the rules engine's "message arrives"


# What each kind of change sets off; every change is also pushed to the browsers that show it.
REASONS: dict[str, Follow] = {
    "new_conversation": Follow(rescore=True, assign=True, customer_message=True),
    "message": Follow(rescore=True, customer_message=True),
    "status": Follow(rescore=True, assign=True),
    "priority": Follow(rescore=True),  # policies match by priority
    "assigned": Follow(rescore=False, assign=True),
    "delivery": Follow(rescore=True),  # a failed reply is no reply
    "channel_moved": Follow(rescore=True),  # another team's policies apply
    "sweep": Follow(rescore=True),
    "note": Follow(rescore=False),
    "merged": Follow(rescore=False),
    "edited": Follow(rescore=False),
    "sla": Follow(rescore=False),  # announced by the scorer itself
    "tags": Follow(rescore=False),
    "sla_policy": Follow(rescore=True),  # a rule chose a (shorter) policy for this conversation
}


def announce(*, conversation_id: int, team_id: int, reason: str) -> None:
    """After the current transaction commits, hand the change to the worker."""
    announce_many(changed=[(conversation_id, team_id)], reason=reason)


def announce_many(*, changed: Sequence[tuple[int, int]], reason: str) -> None:
    """Many conversations changed for one reason, [(conversation id, team id)] (a rescoring batch):
    one callback and one push to the worker after commit, not one per conversation."""
    if reason not in REASONS:
        raise ValueError(f"unknown change reason {reason!r}")
    pending = list(changed)
    if pending:
        transaction.on_commit(lambda: publish_many(pending, reason=reason))


def redis_keys() -> tuple[str, str]:
    prefix = f"parley-{settings.PARLEY_RUN_ID}" if settings.PARLEY_RUN_ID else "parley"
    return f"{prefix}:changes", f"{prefix}:changes:draining"


@lru_cache(maxsize=1)
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def publish(*, conversation_id: int, team_id: int, reason: str) -> None:
    publish_many([(conversation_id, team_id)], reason=reason)


def publish_many(changed: Sequence[tuple[int, int]], *, reason: str) -> None:
    worker = ports.change_worker()
    if not settings.REDIS_URL:
        for conversation_id, team_id in changed:
            worker.handle(conversation_id, team_id, reason)
        return
    queue, flag = redis_keys()
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.rpush(queue, *(json.dumps([conversation_id, team_id, reason]) for conversation_id, team_id in changed))
        pipe.set(flag, "1", nx=True, ex=30)
        _, scheduled = pipe.execute()
    except redis.RedisError:
        # Redis unreachable: the beat sweep rescores these conversations, nothing is lost.
        logger.warning("change not announced", extra={"conversation_ids": [pk for pk, _ in changed]}, exc_info=True)
        return
    if scheduled:
        worker.drain()
