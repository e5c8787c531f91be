"""Ingest throughput: N simulated messages through ingest_message into PostgreSQL.

Baseline, measured in the same run on the same server: a bare INSERT ... ON CONFLICT DO NOTHING of
rows as wide as a message row, one row per transaction (the transaction size of ingest, which
commits each message on its own so a webhook is answered only once its message is durable).

    .venv/bin/python bench/ingest.py [--n 20000] [--seed 7]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/sla.py is named for what it measures: as sys.path[0] this folder would shadow the sla app
# with it, and leave out the repository root, so the root takes its place.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import os
import random
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from bench._setup import drop_database, percentile, purge_queue, setup_django

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

DATABASE = "parley_bench_ingest"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    setup_django(database=DATABASE, run_id=f"bench-ingest-{os.getpid()}")
    try:
        run(args.n, args.seed)
    finally:
        purge_queue()
        if not args.keep:
            drop_database(DATABASE)


def run(n: int, seed: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from channels_app.simulated.payloads import make_inbound
    from demo.workspace import seed_demo
    from inbox.actions import ingest_message
    from inbox.models import Message

    seed_demo(history=0)
    from inbox.models import Channel

    channels = list(Channel.objects.order_by("pk"))
    rng = random.Random(seed)
    start_at = timezone.now() - timedelta(days=1)
    inbounds = [
        make_inbound(channel=channels[i % len(channels)], rng=rng, external_id=f"bench-{i}", at=start_at + timedelta(seconds=i))
        for i in range(n)
    ]
    # Warm up connections, caches and the Celery/Redis producers outside the measurement.
    for inbound in inbounds[:50]:
        ingest_message(inbound=inbound)
    timings = []
    began = time.perf_counter()
    for inbound in inbounds[50:]:
        t = time.perf_counter()
        ingest_message(inbound=inbound)
        timings.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - began
    rate = len(timings) / elapsed
    stored = Message.objects.filter(external_id__startswith="bench-").count()

    base_rate, base_timings = _baseline(connection, len(timings), seed)
    print(
        f"ingest_message: {len(timings)} messages in {elapsed:.1f} s = {rate:,.0f} messages/s "
        f"(p50 {percentile(timings, 50):.2f} ms, p99 {percentile(timings, 99):.2f} ms); stored {stored}"
    )
    print(
        f"baseline INSERT ... ON CONFLICT DO NOTHING, 1 row/transaction: {base_rate:,.0f} rows/s "
        f"(p50 {percentile(base_timings, 50):.2f} ms, p99 {percentile(base_timings, 99):.2f} ms)"
    )
    print(f"ratio ingest/baseline: {rate / base_rate:.2f}   (targets: >= 500 messages/s and ratio >= 0.25)")


def _baseline(connection: BaseDatabaseWrapper, n: int, seed: int) -> tuple[float, list[float]]:
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE TABLE IF NOT EXISTS bench_baseline (
                id bigserial PRIMARY KEY, channel_id bigint NOT NULL, external_id varchar(255) NOT NULL,
                conversation_id bigint NOT NULL, direction varchar(3) NOT NULL, text text NOT NULL,
                visibility varchar(10) NOT NULL, platform_time timestamptz NOT NULL, received_time timestamptz NOT NULL,
                raw jsonb NOT NULL, UNIQUE (channel_id, external_id))"""
        )
    timings = []
    began = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "INSERT INTO bench_baseline (channel_id, external_id, conversation_id, direction, text, visibility,"
                " platform_time, received_time, raw) VALUES (%s, %s, %s, 'in', %s, 'public', now(), now(), %s)"
                " ON CONFLICT DO NOTHING",
                [
                    1 + i % 3,
                    f"base-{i}",
                    rng.randrange(1, 1000),
                    "Where is my order #12345? It has been 9 days.",
                    json.dumps({"simulated": True, "persona": i % 48}),
                ],
            )
            cursor.execute("COMMIT")
        timings.append((time.perf_counter() - t) * 1000)
    return n / (time.perf_counter() - began), timings


if __name__ == "__main__":
    main()
