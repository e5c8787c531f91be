"""What-if replay over 90 days at bench scale, beside the bare cost of reading the same rows.

Uses the database bench/reports.py keeps (parley_bench_reports: 1M conversations over a year,
~2.9M SLA events; seed it once with `.venv/bin/python bench/reports.py`). Inside a transaction
that is rolled back, every team gets an office calendar (Stockholm, Monday to Friday 08:00-17:00)
as its default, then the what-if of "open until 18:00" runs over the last 90 days for all teams
(sla.reports.whatif.run: the rows read as an iterator, replayed by the pure sla/whatif.py) and is
timed beside reading the same rows bare. Target (issue 14): at most 10 s for 90 days.
Only the time means something here: the bench's SLA events carry random delays and outcomes, not
ones an office calendar measured, so the replayed waits and breaches it prints are not a finding.

    .venv/bin/python bench/whatif.py [--days 90]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
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
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Team
    from sla.models import BusinessCalendar
    from sla.reports import whatif
    from sla.reports.filters import Scope
    from sla.reports.periods import parse_period

    with transaction.atomic():
        office = BusinessCalendar.objects.create(
            name="Bench office",
            timezone="Europe/Stockholm",
            weekly_hours={str(d): [["08:00", "17:00"]] for d in range(5)},
            holiday_country="SE",
        )
        Team.objects.update(default_calendar=office)
        zone = ZoneInfo("Europe/Stockholm")
        period = parse_period({"period": args.days}, zone=zone, now=timezone.now())
        scope = Scope(period=period, team_ids=tuple(Team.objects.values_list("pk", flat=True)))
        hours = whatif.preset_hours(office, "until18")

        started = time.perf_counter()
        bare = sum(1 for _ in whatif.first_responses(scope, office))
        bare_s = time.perf_counter() - started

        started = time.perf_counter()
        figures = whatif.run(scope, calendar=office, hours=hours, today=timezone.localdate())
        ours_s = time.perf_counter() - started
        transaction.set_rollback(True)

    replay = figures.replay
    print(f"what-if 'open until 18:00' over {args.days} days: {replay.conversations:,} first responses")
    print(f"  ours (read + replay): {ours_s:.2f} s   bare read of the same rows: {bare_s:.2f} s   ratio {ours_s / bare_s:.1f}x")
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
