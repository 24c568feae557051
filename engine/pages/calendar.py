"""The working-day calendar page (工作日历): a year's months with holidays, weekends, make-up
working days (调休) and a region's own days (壮族三月三) marked in words as well as colour,
and which years and layers are provisional — the same view as `onething calendar show --json`."""

from __future__ import annotations

import calendar as month_grid
import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from engine.access.permissions import require
from engine.calendar import WorkingCalendar
from engine.pages.gantt import day_kind
from engine.pages.web import CurrentPage, PageRoute
from engine.views.definitions import DayView, year_view

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@dataclass(frozen=True)
class Cell:
    """A day of a month's grid: its kind (`holiday`, `weekend`, `makeup`, `working`), its
    named day if any, and whether a regional layer names it."""

    date: dt.date
    kind: str
    named: DayView | None
    regional: bool


def months(
    calendar: WorkingCalendar, year: int, named: list[DayView], base: str
) -> list[list[list[Cell | None]]]:
    """Twelve months of weeks (Monday first); None pads the days of other months."""
    by_date = {d.date: d for d in named}
    grid = month_grid.Calendar(firstweekday=0)
    return [
        [
            [
                Cell(
                    day,
                    day_kind(day, calendar),
                    by_date.get(day),
                    day in by_date and by_date[day].layer != base,
                )
                if day.month == month
                else None
                for day in week
            ]
            for week in grid.monthdatescalendar(year, month)
        ]
        for month in range(1, 13)
    ]


@router.get("/calendar")
def calendar_page(
    page: CurrentPage,
    calendar: Annotated[str | None, Query(max_length=32)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> HTMLResponse:
    require(page.user, "calendar.read")
    calendars = page.deps.calendars
    # by default the most specific calendar (a region over the national one), this year
    chosen = calendar or max(calendars.ids, key=lambda c: len(calendars.layers(c)))
    shown_year = year or calendars.get(chosen).local(page.deps.cases.clock()).year
    view = year_view(calendars, chosen, shown_year)
    layers = calendars.layers(chosen)
    return page.render(
        "calendar.html",
        view=view,
        calendars=calendars.ids,
        layers=layers,
        months=months(calendars.get(chosen), shown_year, view.days, layers[0]),
    )
