"""Deemed acceptance (视为受理, Art. 32): an application neither accepted, refused nor returned
for correction within 5 days of its materials arriving counts as accepted from that day.

"5 days" (五日) are working days: Art. 82 counts the law's periods in working days (docs/domain.md
§acceptance). The sweep applies the rule (`deem-accepted`, by the system); the window is warned
before by the acceptance clock's ladder (`engine.escalation.firings`).
"""

from __future__ import annotations

import datetime as dt

from engine.calendar import WorkingCalendar
from engine.cases.case import SYSTEM, Case, MaterialStatus
from engine.cases.corrections import ART32_LIMIT
from engine.cases.intake import open_case
from engine.cases.run import Run
from engine.cases.state import CaseStatus

ACCEPTANCE_LIMIT = ART32_LIMIT  # Art. 32 五日, counted as Art. 82 says


def received_at(case: Case) -> dt.datetime:
    """When the application's materials arrived: the submission, or the last supplement that
    brought a corrected application back to the window."""
    supplied = [
        m.at
        for m in case.materials.values()
        if m.status in (MaterialStatus.SUPPLIED, MaterialStatus.COMMITTED)
    ]
    return max([case.submitted_at, *supplied])


def acceptance_due(case: Case, calendar: WorkingCalendar) -> dt.datetime | None:
    """The end of the Art. 32 window of a case awaiting acceptance (None: not awaiting)."""
    if case.status is not CaseStatus.SUBMITTED:
        return None
    return calendar.due(received_at(case), ACCEPTANCE_LIMIT).at


def deem_accepted(run: Run) -> None:
    """The system accepts an application whose Art. 32 window passed, from its arrival day."""
    if run.ctx.actor.role != SYSTEM:
        raise run.refuse("only the system applies Art. 32's deemed acceptance", who=True)
    run.need_case(CaseStatus.SUBMITTED)
    due = acceptance_due(run.case, run.ctx.calendar)
    if due is None or run.ctx.now <= due:
        raise run.refuse("the Art. 32 window for acceptance has not passed")
    received = received_at(run.case)
    run.emit("case.deemed-accepted", received=received.isoformat(), window_ended=due.isoformat())
    open_case(run, since=received, deemed=True)
