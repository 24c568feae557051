"""What users see of a case at `now`: statuses and every figure from the calendar's clocks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.calendar import StatutoryClock, WorkingCalendar
from engine.cases.case import Case


def clock_view(
    clock: StatutoryClock | None, calendar: WorkingCalendar, now: dt.datetime
) -> dict[str, Any] | None:
    if clock is None:
        return None
    reading = clock.read(calendar, now)
    return {
        "limit": str(clock.limit),
        "due": reading.due.isoformat(),
        "due_date": reading.due.date().isoformat(),
        "remaining_working_days": reading.remaining_working_days,
        "remaining_working_minutes": reading.remaining_minutes,
        "overdue_working_days": reading.overdue_working_days,
        "overdue": reading.overdue,
        "suspended": reading.suspended,
        "provisional": reading.provisional,
        "extended_days": clock.extended_days,
    }


def case_view(case: Case, calendar: WorkingCalendar, now: dt.datetime) -> dict[str, Any]:
    """A JSON-ready summary of the case (used by `case show`, the API and the flows).

    A closed case's clocks are read when it closed: they stopped then, and a case finished in
    time must not turn overdue as the calendar runs on (`clocks_at` says which moment).
    """
    clocks_at = min(now, case.closed_at) if case.closed_at else now
    return {
        "id": case.id,
        "workflow": case.workflow_id,
        "version": case.workflow_version,
        "status": case.status.value,
        "outcome": case.outcome,
        "applicant": case.applicant,
        "submitted_at": case.submitted_at.isoformat(),
        "accepted_at": case.accepted_at.isoformat() if case.accepted_at else None,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "clocks_at": clocks_at.isoformat(),
        "promised": clock_view(case.promised, calendar, clocks_at),
        "statutory": clock_view(case.statutory, calendar, clocks_at),
        "correction": case.correction.items if case.correction else None,
        "materials": {
            k: {
                "status": v.status.value,
                "deadline": v.deadline.isoformat() if v.deadline else None,
            }
            for k, v in case.materials.items()
        },
        "steps": [
            {
                "id": run.step_id,
                "department": run.department,
                "status": run.status.value,
                "attempt": run.attempt,
                "assignee": run.assignee,
                "signatures": [f"{s.actor}:{s.decision}" for s in run.signatures],
                "clock": clock_view(run.clock, calendar, now) if run.status.open else None,
            }
            for run in case.steps.values()
        ],
        "negatives": [
            {
                "id": n.id,
                "kind": n.kind.value,
                "step": n.step_id,
                "status": n.status.value,
                "reason": n.reason,
            }
            for n in case.negatives
        ],
    }
