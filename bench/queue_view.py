"""Queue view server time at 1,000,000 conversations beside 10,000, and live-update latency.

Fills its own PostgreSQL database (parley_bench_queue, dropped at the end) with generated
conversations across 20 teams and their channels (server-side INSERT ... SELECT generate_series
with a fixed setseed, so every run builds the same data), then times the queue view through
Django's request handler (middleware, session, selectors, template) for each filter and for pages
1, 2 and 100 (keyset cursors, as the "More" link walks them). The same is done at the small size.

Then it starts a real daphne on the big database and measures, over --messages messages, the time
from the ingest_message call to the websocket frame carrying the rendered row at a connected
queue page, beside a bare websocket echo round trip on the same server.

    .venv/bin/python bench/queue_view.py                             # 1M vs 10k, 500 live messages
    .venv/bin/python bench/queue_view.py --conversations 100000 --small 10000 --messages 200

Targets (issue 5): queue p95 <= 50 ms at 1M, p95(1M) / p95(10k) <= 1.5; live p95 <= 250 ms.

One script of a little over 400 lines: the fill, the timings and the live measurement run in order
against the same database and server, and read best in that order.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/sla.py is named for what it measures: as sys.path[0] this folder would shadow the sla app
# with it, and leave out the repository root, so the root takes its place.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from bench._setup import drop_database, percentile, purge_queue, setup_django  # noqa: E402

DATABASE = "parley_bench_queue"
ROOT = Path(__file__).resolve().parent.parent
TEAMS = 20
CHANNELS_PER_TEAM = 3  # x, facebook, email flavours of the simulated channel
AGENTS_PER_TEAM = 10
FILTERS = {
    "all my teams": {},
    "mine": {"scope": "mine"},
    "unassigned": {"scope": "unassigned"},
    "channel": {"channel": "CHANNEL"},
    "priority urgent": {"priority": "urgent"},
    "status pending": {"status": "pending"},
}
PAGES = (1, 2, 100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="the comparison size")
    parser.add_argument("--open-fraction", type=float, default=0.1, help="share in the queue (open or pending)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per (user, filter, page)")
    parser.add_argument("--messages", type=int, default=500, help="live-update messages (0 skips)")
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    run_id = f"bench-queue-{os.getpid()}"
    setup_django(database=DATABASE, run_id=run_id)
    try:
        results = {}
        for size in (args.small, args.conversations):
            seconds = fill(size, open_fraction=args.open_fraction, seed=args.seed)
            print(f"\nfilled {size:,} conversations ({int(size * args.open_fraction):,} in the queue) in {seconds:.1f} s")
            results[size] = measure_queue(repeat=args.repeat)
            report_size(size, results[size])
        report_ratio(results[args.small], results[args.conversations], args.small, args.conversations)
        if args.messages:
            live_latency(messages=args.messages, run_id=run_id)
    finally:
        purge_queue()
        if not args.keep:
            drop_database(DATABASE)


# --- data ------------------------------------------------------------------------------------------


def fill(size: int, *, open_fraction: float, seed: float) -> float:
    from django.db import connection

    from accounts.models import Role, Team, User
    from inbox.models import Channel

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inbox_conversation, inbox_identity, inbox_customer, inbox_queuecounter, "
            "channels_app_channel, accounts_user_teams, accounts_user, accounts_team RESTART IDENTITY CASCADE"
        )
    teams = Team.objects.bulk_create([Team(name=f"Team {i + 1:02d}") for i in range(TEAMS)])
    flavors = ("x", "facebook", "email")
    Channel.objects.bulk_create(
        [
            Channel(kind="simulated", name=f"{t.name} {f}", team=t, config={"flavor": f}, poll_interval_seconds=86400)
            for t in teams
            for f in flavors
        ]
    )
    users = User.objects.bulk_create(
        [
            User(username=f"agent-{t.pk}-{k}", password="!", role=Role.AGENT, capacity=10_000)
            for t in teams
            for k in range(AGENTS_PER_TEAM)
        ]
    )
    Through = User.teams.through
    Through.objects.bulk_create([Through(user_id=u.pk, team_id=teams[i // AGENTS_PER_TEAM].pk) for i, u in enumerate(users)])
    User.objects.create(username="bench-admin", password="!", role=Role.ADMIN)
    customers = max(size // 5, 1000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            "INSERT INTO inbox_customer (name, notes, created_at) "
            "SELECT 'Customer ' || g, '', now() FROM generate_series(1, %s) g",
            [customers],
        )
        cursor.execute(
            "INSERT INTO inbox_identity (kind, external_id, customer_id, handle, display_name, profile_url, avatar_url,"
            " created_at) SELECT 'sim-x', 'x-' || g, g, '@customer' || g, 'Customer ' || g, '', '', now()"
            " FROM generate_series(1, %s) g",
            [customers],
        )
        # The counter trigger would fire per row; bulk loads rebuild the counters once instead.
        cursor.execute("ALTER TABLE inbox_conversation DISABLE TRIGGER inbox_queue_counter")
        cursor.execute(
            """
            INSERT INTO inbox_conversation (
              channel_id, team_id, customer_id, identity_id, thread_key, status, priority, assignee_id, subject,
              visibility, last_inbound_at, last_outbound_at, waiting_since, last_message_preview, created_at,
              updated_at, resolved_at, sla_due_at, sla_warning_at, sla_state, sla_rank)
            SELECT
              (team - 1) * %(cpt)s + 1 + (g / %(teams)s) %% %(cpt)s,
              team,
              1 + (g::bigint * 7919) %% %(customers)s,
              1 + (g::bigint * 7919) %% %(customers)s,
              'bench-' || g,
              CASE WHEN r_q < %(open)s * 0.85 THEN 'open' WHEN r_q < %(open)s THEN 'pending' ELSE 'resolved' END,
              CASE WHEN r_p < 0.05 THEN 'urgent' WHEN r_p < 0.20 THEN 'high' WHEN r_p < 0.85 THEN 'normal' ELSE 'low' END,
              CASE WHEN r_a < 0.6 THEN (team - 1) * %(apt)s + 1 + floor(r_a / 0.6 * %(apt)s)::int END,
              'Order question ' || g,
              CASE WHEN r_v < 0.6 THEN 'public' ELSE 'private' END,
              now() - r_w * interval '48 hours',
              NULL,
              CASE WHEN r_w < 0.9 THEN now() - r_w * interval '48 hours' END,
              'My order #' || (10000 + g %% 90000) || ' has not arrived yet, what is going on?',
              now() - r_w * interval '48 hours' - interval '1 hour',
              now(),
              CASE WHEN r_q >= %(open)s THEN now() - r_w * interval '48 hours' END,
              CASE WHEN r_q < %(open)s AND r_s >= 0.2 THEN now() + (r_d * 10 - 2) * interval '1 hour' END,
              CASE WHEN r_q < %(open)s AND r_s >= 0.2 THEN now() + (r_d * 10 - 3) * interval '1 hour' END,
              CASE WHEN r_q >= %(open)s OR r_s < 0.2 THEN 'none' WHEN r_d < 0.2 THEN 'breached'
                   WHEN r_d < 0.3 THEN 'at_risk' ELSE 'ok' END,
              CASE WHEN r_q < %(open)s AND r_s >= 0.2 AND r_d < 0.2 THEN 0 ELSE 1 END
            FROM (
              SELECT g, 1 + g %% %(teams)s AS team, random() AS r_q, random() AS r_p, random() AS r_a,
                     random() AS r_v, random() AS r_w, random() AS r_s, random() AS r_d
              FROM generate_series(1, %(size)s) g
            ) s
            """,
            {
                "cpt": CHANNELS_PER_TEAM,
                "teams": TEAMS,
                "customers": customers,
                "open": open_fraction,
                "apt": AGENTS_PER_TEAM,
                "size": size,
            },
        )
        cursor.execute("ALTER TABLE inbox_conversation ENABLE TRIGGER inbox_queue_counter")
        cursor.execute(
            "INSERT INTO inbox_queuecounter (team_id, channel_id, status, priority, assignee_id, n) "
            "SELECT team_id, channel_id, status, priority, COALESCE(assignee_id, 0), COUNT(*) FROM inbox_conversation "
            "WHERE status IN ('open', 'pending') GROUP BY 1, 2, 3, 4, 5"
        )
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


# --- queue view ------------------------------------------------------------------------------------


def measure_queue(*, repeat: int) -> dict[tuple[str, str, int], list[float]]:
    """Server time of GET / per (user, filter, page), in ms, through Django's handler."""
    from django.test import Client

    from accounts.models import User
    from inbox import queue_selectors
    from inbox.models import Channel
    from inbox.queue_rendering import filters_from

    agent = User.objects.get(username="agent-1-0")
    admin = User.objects.get(username="bench-admin")
    channel_id = Channel.objects.filter(team_id=1).order_by("pk").values_list("pk", flat=True).first()
    samples: dict[tuple[str, str, int], list[float]] = {}
    for who, user in (("agent (1 team)", agent), ("admin (20 teams)", admin)):
        client = Client()
        client.force_login(user)
        for name, params in FILTERS.items():
            params = {k: (str(channel_id) if v == "CHANNEL" else v) for k, v in params.items()}
            filters = filters_from(params)
            cursor = None
            for page in range(1, max(PAGES) + 1):
                if page in PAGES:
                    query = {**params, **({"after": cursor} if cursor else {})}
                    client.get("/", query)  # warm
                    times = []
                    for _ in range(repeat):
                        started = time.perf_counter()
                        response = client.get("/", query)
                        times.append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200
                    samples[(who, name, page)] = times
                result = queue_selectors.queue_rows(user=user, filters=filters, after=cursor)
                cursor = result.next_cursor
                if cursor is None:
                    break  # this filter has fewer pages
    return samples


def report_size(size: int, samples: dict[tuple[str, str, int], list[float]]) -> None:
    print(f"queue view server time at {size:,} conversations (ms):")
    print(f"  {'user':<17}{'filter':<17}" + "".join(f"{'page ' + str(p) + ' p50/p95':>20}" for p in PAGES))
    for who in dict.fromkeys(k[0] for k in samples):
        for name in FILTERS:
            cells = []
            for page in PAGES:
                times = samples.get((who, name, page))
                cells.append(f"{percentile(times, 50):9.2f} /{percentile(times, 95):7.2f}" if times else f"{'(no page)':>19}")
            print(f"  {who:<17}{name:<17}" + "".join(f"{c:>20}" for c in cells))
    for page in PAGES:
        values = [t for (w, n, p), ts in samples.items() if p == page for t in ts]
        if values:
            print(f"  page {page:<3} all filters: p50 {percentile(values, 50):.2f}  p95 {percentile(values, 95):.2f}")
    every = [t for ts in samples.values() for t in ts]
    print(f"  overall: p50 {percentile(every, 50):.2f}  p95 {percentile(every, 95):.2f}  (n={len(every)})")


def report_ratio(small: dict, big: dict, small_n: int, big_n: int) -> None:
    # Compare like with like: only the (user, filter, page) cells that exist at both sizes.
    common = sorted(set(small) & set(big))
    s = [t for k in common for t in small[k]]
    b = [t for k in common for t in big[k]]
    big_all = [t for ts in big.values() for t in ts]
    p95_s, p95_b = percentile(s, 95), percentile(b, 95)
    print(f"\nqueue p95 at {big_n:,}: {percentile(big_all, 95):.2f} ms over every cell (target <= 50 ms)")
    print(
        f"queue p95 over the cells present at both sizes: {small_n:,} -> {p95_s:.2f} ms, {big_n:,} -> {p95_b:.2f} ms;"
        f" ratio {p95_b / p95_s:.2f} (target <= 1.5)"
    )


# --- live updates ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_latency(*, messages: int, run_id: str) -> None:
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    from accounts.models import User

    connections.close_all()
    port = _free_port()
    env = {
        **os.environ,
        "PARLEY_RUN_ID": run_id,
        "PARLEY_INPROCESS_WORKERS": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "bench.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The production path: ingest hands the change to a worker (inbox/changes.py), which rescores
    # and pushes through the channel layer to daphne.
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery",
            "worker",
            "-P",
            "solo",
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("daphne did not start") from None
                time.sleep(0.1)
        client = Client()
        client.force_login(User.objects.get(username="agent-1-0"))
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        live, echo = asyncio.run(_measure_live(port, cookie, messages))
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(timeout=20)
    if not live:
        raise SystemExit("no live update arrived (is Redis reachable, did the worker start?)")
    print(
        f"\nlive update, ingest_message call -> websocket frame with the row ({len(live)} messages, ms): "
        f"p50 {percentile(live, 50):.2f}  p95 {percentile(live, 95):.2f}  max {max(live):.2f}  (target p95 <= 250)"
    )
    print(
        f"bare websocket echo round trip on the same daphne ({len(echo)} messages, ms): "
        f"p50 {percentile(echo, 50):.2f}  p95 {percentile(echo, 95):.2f}  max {max(echo):.2f}"
    )


async def _measure_live(port: int, cookie: str, messages: int) -> tuple[list[float], list[float]]:
    import json

    import websockets

    from inbox.actions import ingest_message
    from inbox.models import Channel
    from tests.factories import make_author, make_inbound

    headers = {"Cookie": cookie}
    origin = f"http://127.0.0.1:{port}"
    executor = ThreadPoolExecutor(max_workers=1)  # the ORM runs in one plain thread, as in a worker
    loop = asyncio.get_running_loop()
    channel = await loop.run_in_executor(executor, lambda: Channel.objects.filter(team_id=1).order_by("pk").first())
    arrivals: dict[int, float] = {}
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/queue/", additional_headers=headers, origin=origin, max_size=None
    ) as ws:

        async def receive() -> None:
            async for frame in ws:
                data = json.loads(frame)
                if data.get("kind") == "row":
                    arrivals.setdefault(data["id"], time.perf_counter())

        receiver = asyncio.create_task(receive())

        def ingest(i: int) -> int:
            inbound = make_inbound(
                channel=channel,
                external_id=f"live-{i}",
                thread_key=f"live-{i}",
                author=make_author(external_id=f"live-author-{i % 50}", display_name="Live"),
                text=f"Live message {i}",
            )
            return ingest_message(inbound=inbound).conversation_id

        for i in range(-20, 0):  # warm connections, templates and the layer
            await loop.run_in_executor(executor, ingest, i)
        await asyncio.sleep(0.5)
        latencies = []
        for i in range(messages):
            started = time.perf_counter()
            conversation_id = await loop.run_in_executor(executor, ingest, i)
            while conversation_id not in arrivals:
                if time.perf_counter() - started > 5:
                    break
                await asyncio.sleep(0.001)
            if conversation_id in arrivals:
                latencies.append((arrivals[conversation_id] - started) * 1000)
            await asyncio.sleep(0.01)
        receiver.cancel()
    echo = []
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/bench-echo/", additional_headers=headers, origin=origin) as ws:
        for i in range(messages):
            started = time.perf_counter()
            await ws.send(json.dumps({"i": i}))
            await ws.recv()
            echo.append((time.perf_counter() - started) * 1000)
    executor.shutdown()
    return latencies, echo


if __name__ == "__main__":
    main()
