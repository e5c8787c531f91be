"""Report timings at 1,000,000 conversations over a year and ~3M SLA events, beside bare SQL.

Fills its own PostgreSQL database (parley_bench_reports) server-side with INSERT ... SELECT
generate_series (fixed setseed): 10 teams, 3 channels each (x, facebook, email), 40 agents,
100,000 customers, 1M conversations spread over the last 365 days (priority, visibility and
assignee drawn at random), one reply each (the replies-out figure) and first response,
a next response and for 90 % a resolution as SLA events (~2.9M; 15 % breached, under 1 % still
unanswered). Keep it with --keep and measure it again with --reuse (no seeding).

For each report query (the heatmap, the outcome figures, the counts behind the tables, the series,
the first page of two drill-downs: first responses breached, and conversations in) over 7, 30, 90
and 365 days, with no filter, one team, and one team's high-priority X conversations, it prints
p50/p95 of the function the view calls beside the same aggregate as one bare SQL statement on the
same connection in the same run, and the ratio (--queries picks some of them); then each page
from its snapshot and on the spot, and the drill-down's first and fifth pages (no snapshot: the
query and the template each time); then the export of the year, streamed (rows/s, peak RSS
growth) and as a background run (the file it keeps counted).

    .venv/bin/python bench/reports.py --keep          # seed and measure, keep the database
    .venv/bin/python bench/reports.py --reuse         # measure the kept database again

Targets (issue 14): p95 <= 300 ms and <= 2x bare; export >= 20,000 rows/s with RSS < 150 MB.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench._setup import drop_database, percentile, setup_django, use_database  # noqa: E402

DATABASE = "parley_bench_reports"
TEAMS, AGENTS = 10, 40
FLAVORS = ("x", "facebook", "email")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per (query, period, filter)")
    parser.add_argument("--seed", type=float, default=0.14)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="measure an existing (--keep) database")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--periods", default="7,30,90,365", help="days, comma-separated")
    parser.add_argument("--queries", default="", help="only these queries (comma-separated, e.g. drill-down), no pages")
    parser.add_argument("--fill-only", action="store_true", help="seed and keep the database, measure nothing")
    args = parser.parse_args()
    if args.reuse:
        use_database(DATABASE)
    else:
        setup_django(database=DATABASE, run_id=f"bench-reports-{os.getpid()}")
    try:
        if not args.reuse:
            seconds = fill(args.conversations, seed=args.seed)
            print(f"filled {args.conversations:,} conversations, {_count('sla_slaevent'):,} SLA events in {seconds:.0f} s")
        if args.fill_only:
            return
        # The export first, so its RSS is the export's and not what the other measurements left behind.
        if not args.no_export:
            measure_export()
            measure_export_run()
        measure(repeat=args.repeat, periods=args.periods.split(","), queries=[q for q in args.queries.split(",") if q])
    finally:
        if not args.keep and not args.reuse and not args.fill_only:
            drop_database(DATABASE)


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


# --- data ------------------------------------------------------------------------------------------


def fill(size: int, *, seed: float) -> float:
    from django.db import connection

    from accounts.models import Role, Team, User
    from inbox.models import Channel

    started = time.perf_counter()
    teams = Team.objects.bulk_create([Team(name=f"Team {i + 1:02d}") for i in range(TEAMS)])
    Channel.objects.bulk_create(
        [
            Channel(kind="simulated", name=f"{t.name} {f}", team=t, config={"flavor": f}, poll_interval_seconds=86400)
            for t in teams
            for f in FLAVORS
        ]
    )
    for n in range(AGENTS):
        agent = User.objects.create(username=f"bench-agent-{n}", password="!", role=Role.AGENT)
        agent.teams.set([teams[n % TEAMS]])
    User.objects.create(username="bench-admin", password="!", role=Role.ADMIN, time_zone="Europe/Stockholm")
    first_agent = User.objects.get(username="bench-agent-0").pk
    customers = max(size // 10, 1000)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            "INSERT INTO inbox_customer (name, created_at) SELECT 'Customer ' || g, now() FROM generate_series(1, %s) g",
            [customers],
        )
        cursor.execute(
            "INSERT INTO inbox_identity (kind, external_id, customer_id, handle, display_name, profile_url, avatar_url,"
            " created_at, verified) SELECT 'sim-x', 'x-' || g, g, '@c' || g, 'C ' || g, '', '', now(), false"
            " FROM generate_series(1, %s) g",
            [customers],
        )
        cursor.execute("ALTER TABLE inbox_conversation DISABLE TRIGGER USER")
        # Agent n works team 1 + n % TEAMS; a conversation of team t goes to one of its 4 agents or nobody.
        cursor.execute(
            """
            INSERT INTO inbox_conversation (
              channel_id, team_id, customer_id, identity_id, thread_key, status, priority, subject, visibility,
              last_message_preview, created_at, updated_at, resolved_at, sla_state, sla_rank, priority_reason)
            SELECT (team - 1) * 3 + 1 + (g %% 3), team, c, c, 'bench-' || g,
                   CASE WHEN r < 0.1 THEN 'open' ELSE 'resolved' END,
                   (ARRAY['low', 'normal', 'normal', 'normal', 'high', 'urgent'])[1 + floor(random() * 6)::int],
                   '', CASE WHEN g %% 3 = 0 THEN 'public' ELSE 'private' END, 'My order',
                   at, at, CASE WHEN r < 0.1 THEN NULL ELSE at + interval '1 day' END, 'none', 1, ''
            FROM (SELECT g, 1 + g %% %(teams)s AS team, 1 + (g::bigint * 7919) %% %(customers)s AS c, random() AS r,
                         now() - random() * interval '365 days' AS at
                  FROM generate_series(1, %(size)s) g) s
            """,
            {"teams": TEAMS, "customers": customers, "size": size},
        )
        cursor.execute(
            "UPDATE inbox_conversation SET assignee_id = %s + (team_id - 1) + %s * floor(random() * 4)::int"
            " WHERE random() < 0.85",
            [first_agent, TEAMS],
        )
        cursor.execute("ALTER TABLE inbox_conversation ENABLE TRIGGER USER")
        cursor.execute(
            """
            INSERT INTO inbox_message (conversation_id, channel_id, direction, kind, external_id, text, html, attachments,
              visibility, platform_time, received_time, starts_sla, delivery_state, delivery_attempts, delivery_error,
              send_options, raw, automated)
            SELECT id, channel_id, 'out', 'message', NULL, 'On it', '', '[]', visibility,
                   created_at + random() * interval '6 hours', created_at, false, 'sent', 1, '', '{}', '{}', false
            FROM inbox_conversation
            """
        )
        # first and next response always, resolution for nine in ten.
        cursor.execute(
            """
            INSERT INTO sla_slaevent (conversation_id, team_id, channel_kind, metric, cycle, sequence, outcome,
              started_at, due_at, happened_at, responded_at, business_seconds, wall_seconds, recorded_at,
              channel_id, priority, assignee_id, visibility)
            SELECT c.id, c.team_id, (ARRAY['x', 'facebook', 'email'])[1 + ((c.channel_id - 1) % 3)], m.metric, 1, 0,
                   CASE WHEN w.breached THEN 'breached' ELSE 'achieved' END,
                   c.created_at, c.created_at + interval '1 hour', c.created_at + w.wall * interval '1 second',
                   CASE WHEN w.unanswered THEN NULL ELSE c.created_at + w.wall * interval '1 second' END,
                   CASE WHEN w.unanswered THEN NULL ELSE floor(w.wall * w.share)::int END,
                   CASE WHEN w.unanswered THEN NULL ELSE w.wall END,
                   now(), c.channel_id, c.priority, c.assignee_id, c.visibility
            FROM inbox_conversation c
            CROSS JOIN (VALUES ('first_response', 1.0), ('next_response', 1.0), ('resolution', 0.9)) AS m(metric, share)
            -- The lateral names c.id, so PostgreSQL draws new numbers for every row instead of once.
            CROSS JOIN LATERAL (SELECT floor(60 + random() * random() * 200000)::int AS wall, random() < 0.15 AS breached,
                                       random() < 0.0075 AS unanswered, 0.2 + random() * 0.8 AS share,
                                       random() AS keep WHERE c.id IS NOT NULL AND m.metric IS NOT NULL) w
            WHERE w.keep < m.share
            """
        )
    with connection.cursor() as cursor:
        # As autovacuum leaves a settled table: statistics, and the visibility map index-only scans need.
        for table in ("inbox_conversation", "inbox_message", "sla_slaevent"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


# --- measuring -------------------------------------------------------------------------------------


def _timed(fn, repeat: int) -> list[float]:
    fn()  # warm: the first run pays for cold pages, not the query
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _bare(sql: str, params: list[object]):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def office_calendar():
    """The heatmap's calendar: Stockholm office hours (kept in the bench database, made once)."""
    from sla.models import BusinessCalendar

    office, _ = BusinessCalendar.objects.get_or_create(
        name="Bench office",
        defaults={
            "timezone": "Europe/Stockholm",
            "always_open": False,
            "weekly_hours": {str(d): [["08:00", "17:00"]] for d in range(5)},
        },
    )
    return office


# What the drill-down page prints of a conversation, and the joins that bring it.
_PRINTED = "c.id, c.subject, c.created_at, c.priority, c.status, ch.name, t.name, cu.name, u.username, u.first_name, u.last_name"
_JOINS = (
    "JOIN channels_app_channel ch ON ch.id = c.channel_id JOIN accounts_team t ON t.id = c.team_id"
    " JOIN inbox_customer cu ON cu.id = c.customer_id LEFT JOIN accounts_user u ON u.id = c.assignee_id"
)


def bare_queries(scope) -> dict[str, list[tuple[str, list[object]]]]:
    """Each report query as bare SQL on the same connection: the statements the functions run (their
    cost beside it is what Python adds), and the drill-down as a person would write it."""
    from sla.reports.arrivals import heatmap_sql, open_slots
    from sla.reports.figures import counts_sql, outcome_sql, series_sql, where_sql

    events, event_params = where_sql(scope, "e", "e.happened_at")
    came, came_params = where_sql(scope, "c", "c.created_at")
    office = office_calendar()
    return {
        "heatmap": [heatmap_sql(scope, office.timezone, open_slots(office))],
        "figures": [outcome_sql(scope)],
        "counts": counts_sql(scope),
        "series": series_sql(scope),
        # Each conversation once, at its latest such outcome, newest first: the page's first rows.
        "drill-down": [
            (
                f"SELECT e.happened_at, {_PRINTED} FROM sla_slaevent e JOIN inbox_conversation c ON c.id = e.conversation_id"
                f" {_JOINS} WHERE {events} AND e.metric = 'first_response' AND e.outcome = 'breached'"
                " AND NOT EXISTS (SELECT 1 FROM sla_slaevent l WHERE l.conversation_id = e.conversation_id"
                " AND l.metric = e.metric AND l.outcome = e.outcome AND l.happened_at < %s"
                " AND (l.happened_at, l.id) > (e.happened_at, e.id))"
                " ORDER BY e.happened_at DESC, e.id DESC LIMIT 51",
                [*event_params, scope.period.end],
            )
        ],
        "drill-in": [
            (
                f"SELECT {_PRINTED} FROM inbox_conversation c {_JOINS} WHERE {came}"
                " ORDER BY c.created_at DESC, c.id DESC LIMIT 51",
                came_params,
            )
        ],
    }


def measure(*, repeat: int, periods: list[str], queries: list[str]) -> None:
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from accounts.models import Team, User
    from sla.reports import arrivals, figures
    from sla.reports.filters import report_scope

    admin = User.objects.get(username="bench-admin")
    zone = ZoneInfo("Europe/Stockholm")
    team = Team.objects.order_by("pk").first()
    filters = {
        "all teams": {},
        "one team": {"team": str(team.pk)},
        "one team, X, high": {"team": str(team.pk), "channel_kind": "x", "priority": "high"},
    }
    office = office_calendar()
    functions = {
        "heatmap": lambda s: arrivals.heatmap(s, office),
        "figures": figures.outcome_figures,
        "counts": figures.counts,
        "series": figures.series,
        "drill-down": lambda s: figures.drill_down(s, metric="first_response", outcome="breached", stop=51),
        "drill-in": lambda s: figures.drill_down(s, stop=51),
    }
    if queries:
        functions = {name: fn for name, fn in functions.items() if name in queries}
    worst = 0.0
    heads = ("view p50", "view p95", "bare p50", "bare p95")
    print(f"{'query':<11} {'period':>6} {'filter':<18} " + " ".join(f"{h:>9}" for h in heads) + f" {'ratio':>6}")
    for days in periods:
        for label, extra in filters.items():
            params = {"period": days}
            if days not in ("7", "30", "90"):
                today = timezone.now().astimezone(zone).date()
                params = {"period": "custom", "from": str(today - timedelta(days=int(days) - 1)), "to": str(today)}
            scope, _ = report_scope(user=admin, params={**params, **extra}, zone=zone, now=timezone.now())
            bare = bare_queries(scope)
            for name, fn in functions.items():
                view = _timed(lambda fn=fn, scope=scope: fn(scope), repeat)
                raw = [0.0] * repeat
                for statement, statement_params in bare[name]:
                    raw = [a + b for a, b in zip(raw, _timed(_bare(statement, statement_params), repeat), strict=True)]
                v50, v95, b50, b95 = percentile(view, 50), percentile(view, 95), percentile(raw, 50), percentile(raw, 95)
                worst = max(worst, v95)
                figures_ms = " ".join(f"{v:>7.0f}ms" for v in (v50, v95, b50, b95))
                print(f"{name:<11} {days:>6} {label:<18} {figures_ms} {v95 / b95:>5.2f}x")
    if not queries:
        measure_pages(admin, periods=periods, repeat=repeat, office=office)
    print(f"worst function p95: {worst:.0f} ms")


def measure_pages(admin, *, periods: list[str], repeat: int, office) -> None:
    """What a supervisor waits for: each page through Django's handler, served from the snapshot the
    worker keeps (sla/reports/snapshots.py), beside the same page computing its figures on the spot
    (what the worker spends on one refresh)."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    client = Client()
    client.force_login(admin)
    today = timezone.now().astimezone(ZoneInfo("Europe/Stockholm")).date()
    print("pages (the worker's refresh = the page computed on the spot):")
    for days in periods:
        params = {"period": days}
        if days not in ("7", "30", "90"):
            params = {"period": "custom", "from": str(today - timedelta(days=int(days) - 1)), "to": str(today)}
        for path, extra in (("/sla/reports/", {}), ("/sla/reports/arrivals/", {"calendar": str(office.pk)})):
            settings.PARLEY_REPORT_FRESH_SECONDS = 0
            spot = _timed(lambda path=path, q={**params, **extra}: client.get(path, q), max(1, repeat // 2))
            settings.PARLEY_REPORT_FRESH_SECONDS = 3600
            cache.clear()
            served = _timed(lambda path=path, q={**params, **extra}: client.get(path, q), repeat)
            print(
                f"  {path:<24} {days:>4} days: from the snapshot p50 {percentile(served, 50):.0f} ms,"
                f" p95 {percentile(served, 95):.0f} ms; on the spot p50 {percentile(spot, 50):.0f} ms,"
                f" p95 {percentile(spot, 95):.0f} ms; ratio {percentile(served, 95) / percentile(spot, 95):.3f}x"
            )
        # The drill-down has no snapshot: each page is its query, rendered, every time.
        for label, extra in (("breaches", {"metric": "first_response", "outcome": "breached"}), ("in", {})):
            for page in ("1", "5"):
                q = {**params, **extra, "page": page}
                drilled = _timed(lambda q=q: client.get("/sla/reports/conversations/", q), repeat)
                print(
                    f"  {'/sla/reports/conversations/':<24} {days:>4} days, {label:<8} page {page}:"
                    f" p50 {percentile(drilled, 50):.0f} ms, p95 {percentile(drilled, 95):.0f} ms"
                )


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure_export() -> None:
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from accounts.models import User
    from sla.reports import export
    from sla.reports.filters import report_scope

    admin = User.objects.get(username="bench-admin")
    zone = ZoneInfo("Europe/Stockholm")
    today = timezone.now().astimezone(zone).date()
    params = {"period": "custom", "from": str(today.replace(year=today.year - 1)), "to": str(today)}
    scope, _ = report_scope(user=admin, params=params, zone=zone, now=timezone.now())
    before, peak, rows, size = _rss_mb(), 0.0, -1, 0
    started = time.perf_counter()
    for n, line in enumerate(export.csv_lines(scope)):
        rows += 1
        size += len(line)
        if n % 20000 == 0:
            peak = max(peak, _rss_mb())
    seconds = time.perf_counter() - started
    peak = max(peak, _rss_mb())
    print(
        f"export, 365 days, all teams: {rows:,} rows, {size / 1e6:.0f} MB of CSV in {seconds:.1f} s"
        f" = {rows / seconds:,.0f} rows/s;"
        f" RSS {before:.0f} MB before, {peak:.0f} MB at most (+{peak - before:.0f} MB)"
    )


def measure_export_run() -> None:
    """The same year as a background run (what the Export button starts past 50,000 rows): the
    worker's part timed, the file it keeps counted, then both removed."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from accounts.models import User
    from sla.models import ExportRun
    from sla.reports import export_runs
    from sla.reports.filters import report_scope

    admin = User.objects.get(username="bench-admin")
    zone = ZoneInfo("Europe/Stockholm")
    today = timezone.now().astimezone(zone).date()
    params = {"period": "custom", "from": str(today.replace(year=today.year - 1)), "to": str(today)}
    scope, _ = report_scope(user=admin, params=params, zone=zone, now=timezone.now())
    before = _rss_mb()
    started = time.perf_counter()
    job = export_runs.create(scope, actor=admin)
    export_runs.run(job.pk)
    seconds = time.perf_counter() - started
    job = ExportRun.objects.get(pk=job.pk)
    with job.file.open("rb") as kept:
        rows = sum(1 for _ in kept) - 1
    print(
        f"export run, 365 days, all teams: {rows:,} rows (progress said {job.done:,} of {job.total:,}) in"
        f" {seconds:.1f} s = {rows / seconds:,.0f} rows/s; RSS {before:.0f} MB before, {_rss_mb():.0f} MB after"
    )
    job.file.delete(save=False)
    job.delete()


if __name__ == "__main__":
    main()
