"""Deemed acceptance (视为受理, Art. 32): an application neither accepted, refused nor returned
for correction within 5 days of its materials arriving counts as accepted from that day.

"5 days" (五日) are working days: Art. 82 counts the law's periods in working days (docs/domain.md
§acceptance). The sweep applies the rule (`deem-accepted`, by the system); the window is warned
before by the acceptance clock's ladder (`engine.escalation.firings`).
"""

from __future__ import annotations

from engine.cases.acceptance import acceptance_due, received_at
from engine.cases.case import SYSTEM
from engine.cases.intake import open_case
from engine.cases.run import Run
from engine.cases.state import CaseStatus


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
