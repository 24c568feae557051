"""Which deadlines of a case moved when the calendars were re-read (`case recompute`): every
open step's, and the case's own promised and statutory clocks (承诺时限, 法定时限)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from engine.calendar import WorkingCalendar
from engine.cases.case import Case
from engine.cases.state import OPEN_STEP
from engine.clock import as_utc

CASE_CLOCKS = ("promised", "statutory")


def moved_deadlines(
    case: Case,
    calendar: WorkingCalendar,
    now: dt.datetime,
    *,
    stored: Mapping[str | None, dt.datetime | None],
) -> list[dict[str, Any]]:
    """Each deadline of `case` whose reading on `calendar` at `now` differs from `stored`
    (keyed by step id, or by `promised` / `statutory` for the case clocks), as a change
    with the old and the new due moment in the calendar's zone."""
    readings = [
        (step_id, "step", run.clock)
        for step_id, run in case.steps.items()
        if run.clock is not None and run.status in OPEN_STEP
    ]
    if not case.status.closed:
        readings += [(name, name, getattr(case, name)) for name in CASE_CLOCKS]
    changes = []
    for key, kind, clock in readings:
        before = as_utc(stored.get(key))
        if clock is None or before is None:
            continue
        reading = clock.read(calendar, now)
        if before != as_utc(reading.due):
            changes.append(
                {
                    "clock": kind,
                    "step": key if kind == "step" else None,
                    "old_due": calendar.local(before).isoformat(),
                    "new_due": calendar.local(reading.due).isoformat(),
                    "provisional": reading.provisional,
                }
            )
    return changes
