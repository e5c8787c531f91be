"""Throughput of sla.clock.add_business_time against the businesstimedelta package.

    python bench/clock_bench.py [--n 20000] [--seed 1]

Cases (seeded random inputs, second-aligned starts in 2026, UTC):
  office       Europe/Stockholm, Mon-Fri 08:00-17:00, Swedish public holidays; 1 min-72 h
  office-long  same calendar; 100-1000 h (exercises whole-week skipping)
  always-open  24/7 in Europe/Stockholm; 1 min-30 days

Both libraries get the same aware UTC start (businesstimedelta accepts aware datetimes
and localizes only naive ones, as UTC), and its answer is converted back to UTC before
comparing. DST does not interfere with the office cases: Stockholm changes clocks on
Sundays at 02:00/03:00, outside opening hours, so every input is compared.

Limits of the comparison, by design of businesstimedelta:
  * zero durations are excluded: it returns the next opening, we return the start;
  * it cannot express a gapless day (an end equal to its start is empty, and an
    overnight WorkDayRule skips the shift already in progress), so the 24/7 case uses
    00:00-23:59:59.999999 there and agreement allows 1 ms;
  * HolidayRule scans day by day to the next holiday (crashing past the last one), so
    holidays run through 2028 and its cost depends on how far away the next one is.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

# As a script, sys.path[0] is bench/, whose sla.py would shadow the sla package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import businesstimedelta
import pytz

from sla.clock import BusinessCalendar, add_business_time

ZONE = "Europe/Stockholm"
OPEN, CLOSE = time(8), time(17)
WEEKDAYS = [0, 1, 2, 3, 4]
# Swedish public holidays that fall on weekdays (weekend ones change nothing here).
HOLIDAYS = [
    date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 3), date(2026, 4, 6),
    date(2026, 5, 1), date(2026, 5, 14), date(2026, 6, 19), date(2026, 12, 24),
    date(2026, 12, 25), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 6),
    date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 6), date(2027, 6, 25),
    date(2027, 12, 24), date(2027, 12, 31), date(2028, 1, 6), date(2028, 4, 14),
    date(2028, 4, 17), date(2028, 5, 1), date(2028, 5, 25), date(2028, 6, 6),
    date(2028, 6, 23), date(2028, 12, 25), date(2028, 12, 26),
]  # fmt: skip

Inputs = list[tuple[datetime, timedelta]]


def _inputs(rng: random.Random, n: int, low: timedelta, high: timedelta) -> Inputs:
    year_start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        (
            year_start + timedelta(seconds=rng.randrange(365 * 86_400)),
            timedelta(minutes=rng.randint(low // timedelta(minutes=1), high // timedelta(minutes=1))),
        )
        for _ in range(n)
    ]


def _ours(calendar: BusinessCalendar) -> Callable[[datetime, timedelta], datetime]:
    return lambda start, duration: add_business_time(start, duration, calendar)


def _theirs(rule: businesstimedelta.Rule) -> Callable[[datetime, timedelta], datetime]:
    def add(start: datetime, duration: timedelta) -> datetime:
        result: datetime = start + businesstimedelta.BusinessTimeDelta(rule, timedelta=duration)
        return result.astimezone(UTC)

    return add


def _time_calls(add: Callable[[datetime, timedelta], datetime], inputs: Inputs) -> tuple[float, list[datetime]]:
    began = clock.perf_counter()
    results = [add(start, duration) for start, duration in inputs]
    return len(inputs) / (clock.perf_counter() - began), results


def _case(
    inputs: Inputs,
    ours: Callable[[datetime, timedelta], datetime],
    theirs: Callable[[datetime, timedelta], datetime],
    tolerance: timedelta,
) -> dict[str, Any]:
    ours_rate, our_results = _time_calls(ours, inputs)
    their_rate, their_results = _time_calls(theirs, inputs)
    disagreements = [
        (start, duration, mine, other)
        for (start, duration), mine, other in zip(inputs, our_results, their_results, strict=True)
        if abs(mine - other) > tolerance
    ]
    return {
        "n": len(inputs),
        "ours_calls_per_s": ours_rate,
        "businesstimedelta_calls_per_s": their_rate,
        "ratio": ours_rate / their_rate,
        "disagreements": len(disagreements),
        "first_disagreements": disagreements[:3],
    }


def run(n: int = 20_000, seed: int = 1) -> dict[str, Any]:
    """Benchmark all cases; the top-level figures are those of the office case."""
    rng = random.Random(seed)  # noqa: S311 - reproducible inputs, not secrets
    tz = pytz.timezone(ZONE)
    office = BusinessCalendar(ZONE, {day: [(OPEN, CLOSE)] for day in WEEKDAYS}, HOLIDAYS)
    office_rule = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(start_time=OPEN, end_time=CLOSE, working_days=WEEKDAYS, tz=tz),
            businesstimedelta.HolidayRule(frozenset(HOLIDAYS), tz=tz),
        ]
    )
    always_rule = businesstimedelta.WorkDayRule(start_time=time(0), end_time=time.max, working_days=list(range(7)), tz=tz)
    cases = {
        "office": _case(
            _inputs(rng, n, timedelta(minutes=1), timedelta(hours=72)),
            _ours(office), _theirs(office_rule), timedelta(0),
        ),
        "office-long": _case(
            _inputs(rng, max(n // 10, 1), timedelta(hours=100), timedelta(hours=1000)),
            _ours(office), _theirs(office_rule), timedelta(0),
        ),
        "always-open": _case(
            _inputs(rng, n, timedelta(minutes=1), timedelta(days=30)),
            _ours(BusinessCalendar.always_open(ZONE)), _theirs(always_rule),
            timedelta(milliseconds=1),
        ),
    }  # fmt: skip
    office_case = cases["office"]
    return {
        "n": n,
        "seed": seed,
        "ours_calls_per_s": office_case["ours_calls_per_s"],
        "businesstimedelta_calls_per_s": office_case["businesstimedelta_calls_per_s"],
        "ratio": office_case["ratio"],
        "disagreements": office_case["disagreements"],
        "cases": cases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = run(args.n, args.seed)
    print(f"n={result['n']} seed={result['seed']}")
    for name, case in result["cases"].items():
        print(
            f"{name:12} n={case['n']:6}  ours {case['ours_calls_per_s']:10,.0f} calls/s  "
            f"businesstimedelta {case['businesstimedelta_calls_per_s']:9,.0f} calls/s  "
            f"ratio {case['ratio']:6.1f}x  disagreements {case['disagreements']}"
        )
        for disagreement in case["first_disagreements"]:
            print("    ", *disagreement)


if __name__ == "__main__":
    main()
