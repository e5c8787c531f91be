"""SLA engine figures.

(a) Lateness of warning and breach flags for K conversations whose instants fall over the next
    60 seconds, through a real Celery worker and beat on PostgreSQL and Redis, beside the lateness
    of a no-op Celery task due at the same instants (ETA). Targets: p99 <= 2 s, max <= 5 s,
    zero early, zero missed.
(b) Rescoring throughput: open conversations scored per second in batches (sla.rescoring, what saving
    a calendar or policy runs; target >= 1,000/s) beside the bare cost of reading the same rows, and
    one at a time (evaluate_conversation).
(c) add_business_time calls per second against the businesstimedelta package (bench/clock_bench.py).

    .venv/bin/python bench/sla.py [--k 2000] [--skip-lateness] [--score-n 5000]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/sla.py is named for what it measures: as sys.path[0] this folder would shadow the sla app
# with it, and leave out the repository root, so the root takes its place.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bench._setup import ROOT, drop_database, percentile, setup_django

DATABASE = "parley_bench_sla"
WINDOW_SECONDS = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip-lateness", action="store_true")
    parser.add_argument("--clock-n", type=int, default=20000)
    parser.add_argument("--score-n", type=int, default=5000, help="open conversations rescored in (b)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database for inspection")
    args = parser.parse_args()
    run_id = f"bench-sla-{os.getpid()}"
    setup_django(database=DATABASE, run_id=run_id)
    try:
        if not args.skip_lateness:
            lateness(args.k, args.seed, run_id)
        scoring_rate(args.score_n, args.seed)
        clock_rate(args.clock_n, args.seed)
    finally:
        if not args.keep:
            drop_database(DATABASE)


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    log = open(f"/tmp/parley-bench-{argv[0]}.log", "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "config", *argv],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def lateness(k: int, seed: int, run_id: str) -> None:
    from django.utils import timezone

    from bench.probes import probe_timer
    from demo.workspace import seed_demo
    from inbox.actions import ingest_message
    from inbox.changes import redis_client
    from inbox.inbound import AuthorIdentity, InboundMessage
    from inbox.models import Channel, ConversationEvent
    from sla.models import BusinessCalendar, SlaClock, SlaPolicy

    seed_demo(history=0)
    SlaPolicy.objects.all().delete()
    # First response in 5 minutes, warned 1 minute before: every message is in the past when it is
    # ingested, and both instants fall after ingest has finished.
    SlaPolicy.objects.create(
        name="bench",
        calendar=BusinessCalendar.objects.get(name="24/7"),
        first_response_minutes=5,
        warning_percent=None,
        warning_minutes_before=1,
    )
    # No simulated traffic during the measurement.
    Channel.objects.update(status="disabled")
    channel = Channel.objects.order_by("pk").first()
    procs = [
        _spawn(
            [
                "worker",
                "-P",
                "threads",
                "-c",
                "4",
                "-l",
                os.environ.get("BENCH_WORKER_LOG", "WARNING"),
                "--without-gossip",
                "--without-mingle",
                # The probe task lives with the benches, not in any app the worker loads itself.
                "-I",
                "bench.probes",
            ]
        ),
        _spawn(["beat", "-l", "WARNING", "--schedule", f"/tmp/{run_id}-beat"]),
    ]
    try:
        time.sleep(3)  # worker and beat boot
        rng = random.Random(seed)
        # Every conversation is ingested and scored before the first instant (ingest here runs at a
        # few hundred a second on a quiet machine; the lead leaves room for a loaded one).
        start = timezone.now() + timedelta(seconds=10 + k / 40)
        # Warnings spread over the first minute after ingest, deadlines over the minute after that.
        dues = sorted(start + timedelta(seconds=60 + rng.uniform(0, WINDOW_SECONDS)) for _ in range(k))
        instants = []
        began = time.perf_counter()
        for i, due in enumerate(dues):
            ingest_message(
                inbound=InboundMessage(
                    channel_id=channel.pk,
                    external_id=f"sla-{i}",
                    thread_key=f"sla-{i}",
                    author=AuthorIdentity(kind="bench", external_id=f"c{i}", handle=f"c{i}"),
                    text="When will my order arrive?",
                    platform_time=due - timedelta(minutes=5),
                )
            )
            instants += [due - timedelta(minutes=1), due]
        key = f"parley-{run_id}:probe"
        for instant in instants:
            probe_timer.apply_async(args=[instant.timestamp(), key], eta=instant)
        print(
            f"(a) ingested {k} conversations in {time.perf_counter() - began:.1f} s; "
            f"{len(instants)} instants from {min(instants):%H:%M:%S} to {max(instants):%H:%M:%S}"
        )
        wait_until = max(instants) + timedelta(seconds=8)
        while timezone.now() < wait_until:
            time.sleep(1)
        scored = SlaClock.objects.count()
        flags = list(ConversationEvent.objects.filter(kind__in=["sla_at_risk", "sla_breached"]).values_list("data", flat=True))
        ours = [(datetime.fromisoformat(d["flagged_at"]) - datetime.fromisoformat(d["instant"])).total_seconds() for d in flags]
        probes = [float(v) for v in redis_client().lrange(key, 0, -1)]
        redis_client().delete(key)
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
    expected = 2 * k
    early = sum(1 for late in ours if late < 0)
    print(f"    scored {scored} conversations; expected {expected} flags")
    print(
        f"    Parley flags:        n={len(ours):5d}  p50 {percentile(ours, 50):.3f} s  p99 {percentile(ours, 99):.3f} s  "
        f"max {max(ours, default=float('nan')):.3f} s  early {early}  missed {expected - len(ours)}"
    )
    probe_early, probe_missed = sum(1 for p in probes if p < 0), len(instants) - len(probes)
    print(
        f"    no-op Celery ETA:    n={len(probes):5d}  p50 {percentile(probes, 50):.3f} s  p99 {percentile(probes, 99):.3f} s  "
        f"max {max(probes, default=float('nan')):.3f} s  early {probe_early}  missed {probe_missed}"
    )
    print("    targets: p99 <= 2 s, max <= 5 s, zero early, zero missed")


def scoring_rate(n: int, seed: int) -> None:
    """(b) Rescoring as a calendar or policy save runs it (sla.rescoring.score_batch, 500 a batch),
    beside the bare cost of reading the same rows (the batch's own reads, no scoring, no writes)
    and beside scoring one conversation at a time (evaluate_conversation, the change handler's path)."""
    from django.db import transaction
    from django.utils import timezone

    from inbox.models import Conversation, ConversationStatus
    from sla.models import SlaPolicy
    from sla.rescoring import BATCH, score_batch
    from sla.scoring import build_timelines, evaluate_conversation

    def open_ids() -> list[int]:
        rows = Conversation.objects.exclude(status=ConversationStatus.RESOLVED).order_by("pk")
        return list(rows.values_list("pk", flat=True)[:n])

    ids = open_ids()
    if len(ids) < n:
        from demo.workspace import seed_demo

        seed_demo(history=min(n, 600), seed=seed)
        _add_open_conversations(n - len(open_ids()), seed)
        ids = open_ids()
    now = timezone.now()
    policies = list(SlaPolicy.objects.select_related("calendar"))
    score_batch(ids[:BATCH], now=now, policies=policies, announce=False)  # warm the calendar cache

    def batches(work: Callable[[list[int]], object]) -> float:
        began = time.perf_counter()
        for offset in range(0, len(ids), BATCH):
            work(ids[offset : offset + BATCH])
        return time.perf_counter() - began

    def read_only(chunk: list[int]) -> None:
        with transaction.atomic():
            rows = list(
                Conversation.objects.select_for_update(no_key=True, of=("self",))
                .select_related("channel", "sla_clock", "team__default_calendar")
                .filter(pk__in=chunk)
                .order_by("pk")
            )
            build_timelines([c.pk for c in rows])

    bare = batches(read_only)
    batched = batches(lambda chunk: score_batch(chunk, now=now, policies=policies, announce=False))
    single_n = min(len(ids), 500)
    began = time.perf_counter()
    for conversation_id in ids[:single_n]:
        evaluate_conversation(conversation_id=conversation_id, now=now, announce=False, policies=policies)
    single = time.perf_counter() - began
    k = len(ids)
    print(f"(b) rescoring {k} open conversations in batches of {BATCH} (what saving a calendar or policy runs):")
    print(f"    bare read of the same rows (lock, clocks, messages, status events): {k / bare:10,.0f} conversations/s")
    print(f"    batched scoring (read, evaluate, write clocks and due times):     {k / batched:10,.0f} conversations/s")
    print(f"    ratio: scoring takes {batched / bare:.1f}x the bare read's time (target: >= 1,000 conversations/s)")
    print(f"    one at a time (evaluate_conversation, {single_n}): {single_n / single:10,.0f} conversations/s")


def _add_open_conversations(count: int, seed: int) -> None:
    """Open conversations with a short history each (customer, agent, customer), as a busy queue has."""
    from django.utils import timezone

    from inbox.actions import ingest_message
    from inbox.inbound import AuthorIdentity, InboundMessage
    from inbox.models import Channel

    channels = list(Channel.objects.order_by("pk"))
    rng = random.Random(seed)
    now = timezone.now()
    for i in range(max(0, count)):
        channel = channels[i % len(channels)]
        at = now - timedelta(minutes=rng.uniform(1, 600))
        for j in range(2):
            ingest_message(
                inbound=InboundMessage(
                    channel_id=channel.pk,
                    external_id=f"bench-open-{i}-{j}",
                    thread_key=f"bench-open-{i}",
                    author=AuthorIdentity(kind="bench", external_id=f"b{i}", handle=f"b{i}"),
                    text="Any news on my order?",
                    platform_time=at + timedelta(minutes=j * 5),
                )
            )


def clock_rate(n: int, seed: int) -> None:
    from bench import clock_bench

    result = clock_bench.run(n, seed)
    print("(c) add_business_time calls/s, ours vs businesstimedelta on the same inputs (target ratio >= 2):")
    for name, case in result["cases"].items():
        print(
            f"    {name:<12} n={case['n']:6d}  ours {case['ours_calls_per_s']:12,.0f}/s  "
            f"businesstimedelta {case['businesstimedelta_calls_per_s']:10,.0f}/s  ratio {case['ratio']:6.1f}  "
            f"disagreements {case['disagreements']}"
        )


if __name__ == "__main__":
    main()
