"""Working-day arithmetic: ours against holidays.China and chinese_calendar.find_workday.

Random (start, N) queries over 2024-2026; starts are working days (find_workday first moves a
rest-day start to the next working day). Checks that the answers agree on the shared queries and
prints operations per second and the ratios (`--json` for a machine-readable line).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import chinese_calendar
import holidays

from engine.calendar import WorkingCalendar, load_calendars

ROOT = Path(__file__).resolve().parents[1]


def queries(calendar: WorkingCalendar, count: int, seed: int) -> list[tuple[dt.date, int]]:
    rng = random.Random(seed)
    first = dt.date(2024, 1, 1).toordinal()
    span = dt.date(2026, 10, 31).toordinal() - first
    result: list[tuple[dt.date, int]] = []
    while len(result) < count:
        day = dt.date.fromordinal(first + rng.randrange(span))
        if calendar.is_working_day(day):
            result.append((day, rng.randint(1, 40)))
    return result


def rate(
    func: Callable[[dt.date, int], dt.date], work: list[tuple[dt.date, int]]
) -> tuple[float, list[dt.date]]:
    began = time.perf_counter()
    answers = [func(day, n) for day, n in work]
    return len(work) / (time.perf_counter() - began), answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ours", type=int, default=100_000)
    parser.add_argument("--peers", type=int, default=10_000)
    args = parser.parse_args()

    cn = load_calendars(ROOT / "definitions" / "calendars").get("cn")
    work = queries(cn, args.ours, seed=2026)
    shared = work[: args.peers]
    china = holidays.China(years=range(2024, 2028))

    ours, our_answers = rate(cn.add_working_days, work)
    lib, lib_answers = rate(china.get_nth_working_day, shared)
    cc, cc_answers = rate(lambda d, n: chinese_calendar.find_workday(n, d), shared)

    mismatches = sum(
        1 for a, b, c in zip(our_answers, lib_answers, cc_answers, strict=False) if not a == b == c
    )
    faster_peer = max(lib, cc)
    result = {
        "ours_ops_per_s": round(ours),
        "peers": {"holidays": round(lib), "chinesecalendar": round(cc)},
        "ratio_to_faster_peer": round(ours / faster_peer, 1),
        "shared_queries": len(shared),
        "mismatches": mismatches,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"ours            {ours:>12,.0f} ops/s ({len(work):,} queries)")
        print(f"holidays        {lib:>12,.0f} ops/s ({len(shared):,} queries)")
        print(f"chinesecalendar {cc:>12,.0f} ops/s ({len(shared):,} queries)")
        print(f"ratio to the faster peer: {ours / faster_peer:,.1f}x (target >= 100x)")
        print(f"answers that differ on the {len(shared):,} shared queries: {mismatches}")
    if mismatches:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
