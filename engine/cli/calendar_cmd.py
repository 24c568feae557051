"""`onething calendar`: due dates, working-day counts and year grids (no Prefect, no database)."""

from __future__ import annotations

import calendar as month_grid
import datetime as dt

import typer

from engine import bootstrap
from engine.calendar import Limit, Unit, WorkingCalendar
from engine.calendar.display import moment_text
from engine.cli.common import fail, print_json, user_errors

app = typer.Typer(help="The statutory working-day calendar (工作日历).", no_args_is_help=True)

CALENDAR_OPTION = typer.Option("cn", "--calendar", "-c", help="Calendar id, e.g. cn or gx.")


def get_calendar(calendar_id: str) -> WorkingCalendar:
    return bootstrap.calendars().get(calendar_id)


def parse_moment(text: str, calendar: WorkingCalendar) -> dt.datetime:
    """`YYYY-MM-DD` (start of that day) or an ISO datetime, in the calendar's timezone."""
    try:
        if len(text) == 10:
            return calendar.local(dt.datetime.combine(dt.date.fromisoformat(text), dt.time()))
        return calendar.local(dt.datetime.fromisoformat(text))
    except ValueError:
        fail(f"not a date: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
        raise


def parse_count(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        fail(f"N must be a whole number of zero or more, not {text!r}")
    return int(text)


@app.command(context_settings={"ignore_unknown_options": True})
@user_errors
def add(
    start: str = typer.Argument(..., help="Start date (not counted) or datetime."),
    n: str = typer.Argument(..., help="How many units."),
    unit: str = typer.Option(
        "working-days",
        "--unit",
        "-u",
        help="working-days | natural-days | working-hours | same-day",
    ),
    calendar_id: str = CALENDAR_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print the due date of a limit of N units counted from START."""
    calendar = get_calendar(calendar_id)
    moment = parse_moment(start, calendar)
    try:
        limit_unit = Unit(unit)
    except ValueError:
        fail(f"unknown unit {unit!r} (known: {', '.join(u.value for u in Unit)})")
    due = calendar.due(moment, Limit(parse_count(n), limit_unit))
    if as_json:
        from engine.views.definitions import DueView

        at = calendar.local(due.at)
        shown = DueView(
            due=at, due_date=at.date(), provisional=due.provisional, calendar=calendar.id
        )
        print_json(shown.model_dump(mode="json"))
        return
    note = "  (provisional: that year's holiday schedule is not yet published)"
    text = (
        moment_text(due.at, calendar.tz)
        if limit_unit is Unit.WORKING_HOURS
        else due.at.date().isoformat()
    )
    typer.echo(text + (note if due.provisional else ""))


@app.command()
@user_errors
def between(
    start: str = typer.Argument(..., help="Start date (not counted)."),
    end: str = typer.Argument(..., help="End date (counted)."),
    calendar_id: str = CALENDAR_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print the number of working days after START up to and including END."""
    calendar = get_calendar(calendar_id)
    first, last = (parse_moment(x, calendar).date() for x in (start, end))
    count = calendar.working_days_between(first, last)
    provisional = calendar.is_provisional(first, last)
    if as_json:
        from engine.views.definitions import WorkingDaysView

        days = WorkingDaysView(working_days=count, provisional=provisional, calendar=calendar.id)
        print_json(days.model_dump(mode="json"))
        return
    typer.echo(str(count) + ("  (provisional)" if provisional else ""))


@app.command()
@user_errors
def show(
    year: str = typer.Argument(..., help="The year, e.g. 2026."),
    calendar_id: str = CALENDAR_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print a year grid with holidays and make-up working days marked."""
    if not (year.isascii() and year.isdigit() and len(year) == 4) or year == "0000":
        fail(f"not a year: {year!r}")
    calendar = get_calendar(calendar_id)
    if as_json:
        from engine.views.definitions import year_view

        shown = year_view(bootstrap.calendars(), calendar.id, int(year))
        print_json(shown.model_dump(mode="json"))
        return
    typer.echo(render_year(calendar, int(year)))


def render_year(calendar: WorkingCalendar, year: int) -> str:
    """A `cal`-like grid: `*` a day off on a weekday, `+` a make-up working day on a weekend."""
    calendar.is_working_day(dt.date(year, 1, 1))  # range check before drawing
    status = (
        "provisional (estimated: schedule not yet published)"
        if calendar.is_provisional(dt.date(year, 1, 1), dt.date(year, 12, 31))
        else "official"
    )
    lines = [
        f"{calendar.name} ({calendar.id}) {year}: {status}",
        f"{calendar.working_days_in_year(year)} working days",
        "",
    ]
    grid = month_grid.Calendar(firstweekday=0)
    for month in range(1, 13):
        lines.append(f"{dt.date(year, month, 1):%B %Y}".center(28))
        lines.append(" Mo  Tu  We  Th  Fr  Sa  Su")
        for week in grid.monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append("    ")
                    continue
                working = calendar.is_working_day(day)
                mark = " "
                if day.weekday() < 5 and not working:
                    mark = "*"
                elif day.weekday() >= 5 and working:
                    mark = "+"
                elif not working and day in calendar.schedule.off:
                    mark = "*"
                cells.append(f"{day.day:3d}{mark}")
            lines.append("".join(cells).rstrip())
        lines.append("")
    lines.append("Legend: * day off (holiday 节假日)   + make-up working day (调休上班)")
    lines.append("")
    named = sorted({**calendar.schedule.off, **calendar.schedule.workdays}.items())
    for day, name in named:
        if day.year == year:
            kind = "working" if calendar.is_working_day(day) else "off"
            lines.append(f"  {day.isoformat()} {kind:7s} {name}")
    return "\n".join(lines)
