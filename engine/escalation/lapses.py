"""Deadlines that act by themselves when they pass (pure): an application not handled within
Art. 32's window is deemed accepted (`deem-accepted`), a draft correction still unissued at
its Art. 32 limit goes out (`issue-correction`), and a deferred material (容缺) not
supplied by its deadline terminates the case (`expire-deferrals`). The sweep finds them through
the case's `next_escalation_at` (`lapse_at`) and applies them as the system, once."""

from __future__ import annotations

import datetime as dt

from engine.calendar import WorkingCalendar
from engine.cases.acceptance import acceptance_due
from engine.cases.case import Case, MaterialStatus
from engine.cases.corrections import issue_due
from engine.cases.state import CaseStatus

DEEM_ACCEPTED = "deem-accepted"
EXPIRE_DEFERRALS = "expire-deferrals"
ISSUE_CORRECTION = "issue-correction"


def _deferred_due(case: Case) -> dt.datetime | None:
    if case.status not in (CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION):
        return None
    deadlines = [
        m.deadline
        for m in case.materials.values()
        if m.status is MaterialStatus.DEFERRED and m.deadline is not None
    ]
    return min(deadlines, default=None)


def lapses(case: Case, calendar: WorkingCalendar) -> dict[str, dt.datetime]:
    """Each self-acting deadline of `case` still ahead of it or passed: action → deadline."""
    found = {
        DEEM_ACCEPTED: acceptance_due(case, calendar),
        ISSUE_CORRECTION: issue_due(case.correction, calendar),
        EXPIRE_DEFERRALS: _deferred_due(case),
    }
    return {action: at for action, at in found.items() if at is not None}


def lapse_at(case: Case, calendar: WorkingCalendar) -> dt.datetime | None:
    """The earliest self-acting deadline (the sweep acts once it has passed)."""
    return min(lapses(case, calendar).values(), default=None)


def due(case: Case, calendar: WorkingCalendar, now: dt.datetime) -> list[str]:
    """The actions whose deadline has passed by `now`."""
    return [action for action, at in lapses(case, calendar).items() if at < now]
