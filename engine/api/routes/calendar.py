"""The working-day calendar (工作日历): due dates, working days between two dates, a year's
days off and make-up working days — the same answers as `onething calendar`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from engine.api.deps import ID_PATTERN, CurrentUser, Deps, guard
from engine.calendar import Limit, Unit
from engine.views.definitions import DueView, WorkingDaysView, YearView, year_view

router = APIRouter(prefix="/calendars", tags=["calendar"])
CalendarId = Annotated[str, Path(max_length=32, pattern=ID_PATTERN)]
OUT_OF_RANGE = {400: "a date, or the answer, outside the range the calendar covers"}


@router.get("/{calendar_id}/due", **guard("calendar.read", 404, 422, refuses=OUT_OF_RANGE))
def due(
    calendar_id: CalendarId,
    user: CurrentUser,
    deps: Deps,
    start: dt.datetime | dt.date,
    n: Annotated[int, Query(ge=0, le=3650)],
    unit: Unit = Unit.WORKING_DAYS,
) -> DueView:
    """The due time of a limit of `n` units counted from `start` (not counted); a date
    means its start, a time without offset the calendar's zone."""
    calendar = deps.calendars.get(calendar_id)
    if not isinstance(start, dt.datetime):
        start = dt.datetime.combine(start, dt.time())
    found = calendar.due(calendar.local(start), Limit(n, unit))
    at = calendar.local(found.at)
    return DueView(calendar=calendar.id, due=at, due_date=at.date(), provisional=found.provisional)


@router.get("/{calendar_id}/between", **guard("calendar.read", 404, 422, refuses=OUT_OF_RANGE))
def between(
    calendar_id: CalendarId, user: CurrentUser, deps: Deps, start: dt.date, end: dt.date
) -> WorkingDaysView:
    """Working days after `start` up to and including `end`."""
    calendar = deps.calendars.get(calendar_id)
    count = calendar.working_days_between(start, end)
    return WorkingDaysView(
        calendar=calendar.id, working_days=count, provisional=calendar.is_provisional(start, end)
    )


@router.get("/{calendar_id}/years/{year}", **guard("calendar.read", 404, 422, refuses=OUT_OF_RANGE))
def year(
    calendar_id: CalendarId,
    user: CurrentUser,
    deps: Deps,
    year: Annotated[int, Path(ge=1900, le=2200)],
) -> YearView:
    """A year's days off and make-up working days (each with the calendar layer naming it),
    whether it is provisional, and which layers have not yet published it."""
    return year_view(deps.calendars, calendar_id, year)
