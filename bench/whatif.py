"""What-if replay over 90 days at bench scale, beside the bare cost of reading the same rows.

Uses the database bench/reports.py keeps (parley_bench_reports: 1M conversations over a year,
~2.9M SLA events; seed it once with `.venv/bin/python bench/reports.py --fill-only`, about 3 minutes).
Inside a transaction
that is rolled back, every team gets an office calendar (Stockholm, Monday to Friday 08:00-17:00)
as its default, then the what-if of "open until 18:00" runs over the last 90 days for all teams
and is timed beside reading the same rows bare (the same iterator, nothing replayed; and, for
scale, a plain values_list of the same columns, whose timestamps load as aware datetimes):
  - the replay: sla.reports.whatif.run, the rows read as an iterator, replayed by sla/whatif.py;
  - the job as the page runs it: whatif_runs.create (the request's part: a reusable run is looked
    for, the rows counted for the bar) and whatif_runs.run (the worker's part, writing progress
    and the figures), until the run row says finished.
Target (issue 14): at most 10 s for 90 days.
Only the time means something here: the bench's SLA events carry random delays and outcomes, not
ones an office calendar measured, so the replayed waits and breaches it prints are not a finding.

    .venv/bin/python bench/whatif.py [--days 90]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from bench._setup import use_database  # noqa: E402

DATABASE = "parley_bench_reports"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", choices=["7", "30", "90"], default="90")
    args = parser.parse_args()
    use_database(DATABASE)
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Role, Team, User
    from sla.models import BusinessCalendar, WhatIfRun
    from sla.reports import whatif, whatif_runs
    from sla.reports.filters import Scope
    from sla.reports.periods import parse_period

    with transaction.atomic():
        if WhatIfRun._meta.db_table not in connection.introspection.table_names():
            # A database kept from before the what-if runs: their table, rolled back with the rest.
            with connection.schema_editor() as editor:
                editor.create_model(WhatIfRun)
        office = BusinessCalendar.objects.create(
            name=f"Bench office {os.getpid()}",
            timezone="Europe/Stockholm",
            weekly_hours={str(d): [["08:00", "17:00"]] for d in range(5)},
            holiday_country="SE",
        )
        Team.objects.update(default_calendar=office)
        zone = ZoneInfo("Europe/Stockholm")
        period = parse_period({"period": args.days}, zone=zone, now=timezone.now())
        scope = Scope(period=period, team_ids=tuple(Team.objects.values_list("pk", flat=True)))
        hours = whatif.preset_hours(office, "until18")

        sum(1 for _ in whatif.first_responses(scope, office))  # warm: the first read pays for cold pages
        started = time.perf_counter()
        bare = sum(1 for _ in whatif.first_responses(scope, office))
        bare_s = time.perf_counter() - started

        columns = ("started_at", "responded_at", "business_seconds", "policy__first_response_minutes", "outcome")
        started = time.perf_counter()
        plain = sum(1 for _ in whatif.measured(scope, office).values_list(*columns).iterator(chunk_size=5000))
        plain_s = time.perf_counter() - started
        assert plain == bare

        started = time.perf_counter()
        figures = whatif.run(scope, calendar=office, hours=hours, today=timezone.localdate())
        ours_s = time.perf_counter() - started

        actor = User.objects.filter(role=Role.ADMIN).first()
        started = time.perf_counter()
        job, _ = whatif_runs.create(
            scope, calendar=office, hours=hours, label="Open until 18:00", actor=actor, today=timezone.localdate(), again=True
        )
        asked_s = time.perf_counter() - started
        whatif_runs.run(job.pk)
        job = WhatIfRun.objects.get(pk=job.pk)
        job_s = time.perf_counter() - started
        assert job.finished_at is not None and job.result["conversations"] == figures.replay.conversations
        transaction.set_rollback(True)

    replay = figures.replay
    print(f"what-if 'open until 18:00' over {args.days} days: {replay.conversations:,} first responses")
    print(f"  bare read of the same rows: {bare_s:.2f} s   (as datetimes, a plain values_list: {plain_s:.2f} s)")
    print(f"  replay (read + replay):     {ours_s:.2f} s   ratio {ours_s / bare_s:.1f}x")
    print(f"  the job (start + worker):   {job_s:.2f} s   ratio {job_s / bare_s:.1f}x   (the request's part {asked_s:.2f} s)")
    print(
        f"  {bare:,} rows bare; started sooner {replay.started_sooner:,}; breaches now {replay.breaches_now:,}, "
        f"with the same replies {replay.breaches_same_replies:,}"
    )
    print(
        f"  median real wait {figures.median_now:.0f} s -> {figures.median_then:.0f} s; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; target <= 10 s"
    )


if __name__ == "__main__":
    main()
