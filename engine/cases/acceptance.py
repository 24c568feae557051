"""The Art. 32 acceptance window (受理期限): an application is accepted, refused or returned
for correction within 5 days of its materials arriving, else it is deemed accepted from that
day (`engine.cases.deeming`).

"5 days" (五日) are working days: Art. 82 counts the law's periods in working days (docs/domain.md
§acceptance). The one correction notice stops the window; the supplement that answers it is a
new arrival, from which the window counts anew.
"""

from __future__ import annotations

import datetime as dt

from engine.calendar import Limit, StatutoryClock, Unit, WorkingCalendar
from engine.cases.case import Case, MaterialState, MaterialStatus
from engine.cases.state import CaseStatus

ART32_LIMIT = Limit(5, Unit.WORKING_DAYS)  # Art. 32 五日, counted as Art. 82 says
ACCEPTANCE_LIMIT = ART32_LIMIT


def received_at(case: Case) -> dt.datetime:
    """When the application's materials arrived: the submission, or the last supplement that
    brought a corrected application back to the window."""
    supplied = [
        m.at
        for m in case.materials.values()
        if m.status in (MaterialStatus.SUPPLIED, MaterialStatus.COMMITTED)
    ]
    resubmitted = [case.resubmitted_at] if case.resubmitted_at else []
    return max([case.submitted_at, *supplied, *resubmitted])


def acceptance_clock(case: Case) -> StatutoryClock | None:
    """The Art. 32 window of a case awaiting acceptance as a clock (None: not awaiting)."""
    if case.status is not CaseStatus.SUBMITTED:
        return None
    return StatutoryClock(received_at(case), ACCEPTANCE_LIMIT)


def acceptance_due(case: Case, calendar: WorkingCalendar) -> dt.datetime | None:
    """The end of the Art. 32 window of a case awaiting acceptance (None: not awaiting)."""
    clock = acceptance_clock(case)
    return None if clock is None else calendar.due(clock.start, clock.limit).at


def verification_clock(state: MaterialState) -> StatutoryClock:
    """The window's time to verify a material its source did not answer for (待核验): Art.
    32's 5 working days from the material's arrival at intake. Verifying it belongs to
    judging the application complete, which the window owes within that window; the clock
    runs on while a correction notice waits on the applicant, the verifying being the
    agency's own work."""
    return StatutoryClock(state.at, ACCEPTANCE_LIMIT)


def verification_overdue_before(calendar: WorkingCalendar, now: dt.datetime) -> dt.datetime:
    """The tasks to verify past their Art. 32 window at `now` are those whose material arrived
    before this moment: five working days end at a working day's close whatever the hour they
    start (`WorkingCalendar.due`), so one midnight parts the late from the rest."""
    day = calendar.local(now).date()
    while calendar.due(_midnight(calendar, day - dt.timedelta(days=1)), ACCEPTANCE_LIMIT).at >= now:
        day -= dt.timedelta(days=1)
    return _midnight(calendar, day)


def _midnight(calendar: WorkingCalendar, day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=calendar.tz)
