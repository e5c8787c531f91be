"""Celery tasks only the benches use: the scheduler baseline bench/sla.py measures its flags against.

No production module imports this one, so a deployment's worker never registers these tasks; the
bench starts its worker with -I bench.probes.
"""

from __future__ import annotations

import time

from celery import shared_task

from inbox.changes import redis_client


@shared_task(ignore_result=True)
def probe_timer(expected_at: float, key: str) -> None:
    """Records how late a Celery ETA task ran, in seconds, on a Redis list the bench reads."""
    redis_client().rpush(key, f"{time.time() - expected_at:.6f}")
