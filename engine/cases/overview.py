"""The operators' overview (运行总览): counts computed in the database (GROUP BY over the
cases and the open steps, never the cases loaded into Python), and the forecast of what turns
yellow or red by the end of this working week: ranges over the moments each open step row
holds (`engine.escalation.index.turning`, the ladder's marks), the same levels the sweep's
dry run at the week's close lists for the steps."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col

from engine.calendar import WorkingCalendar
from engine.cases.state import CLOSED_CASE
from engine.cases.tables import CaseRow, EscalationRow, StepRow
from engine.clock import as_utc
from engine.views.overview import DepartmentLights, OverdueStep, OverviewView, TurningStep

if TYPE_CHECKING:
    from engine.cases.service import CaseService

CLOSED = [s.value for s in CLOSED_CASE]
FORECAST_LEVELS = ("yellow", "red")


def end_of_working_week(calendar: WorkingCalendar, now: dt.datetime) -> dt.datetime:
    """The close of business of the last working day of the working week under way: the week
    (Monday to Sunday, so a make-up Saturday counts) of the first working day still open at
    `now`. On a weekend, a holiday week or a Friday after hours that is the coming week, so the
    forecast shows what Monday brings instead of nothing."""
    day = calendar.next_working_day(calendar.local(now).date())
    if calendar.close_of_business(day) <= now:
        day = calendar.add_working_days(day, 1)
    week = day.isocalendar()[:2]
    last = day
    while (following := calendar.add_working_days(last, 1)).isocalendar()[:2] == week:
        last = following
    return calendar.close_of_business(last)


LIGHTS = ("green", "yellow", "red")  # a step's traffic light, least urgent first


def _urgent(now: dt.datetime) -> tuple[Any, Any]:
    """An open step is red past due; yellow once its ladder's yellow moment has passed (fired,
    or due for the sweep), or, its clock standing still, once a yellow level fired on this
    attempt; else green."""
    yellow_fired = (
        sa.select(col(EscalationRow.id))
        .where(
            col(EscalationRow.case_id) == col(StepRow.case_id),
            col(EscalationRow.step_id) == col(StepRow.step_id),
            col(EscalationRow.attempt) == col(StepRow.attempt),
            col(EscalationRow.level) == "yellow",
        )
        .exists()
    )
    red = sa.func.coalesce(col(StepRow.due_at) < now, sa.false())
    yellow = sa.or_(
        sa.func.coalesce(col(StepRow.yellow_at) <= now, sa.false()),
        sa.and_(col(StepRow.suspended), yellow_fired),  # only the few standing still look
    )
    return red, yellow


def light_rank(now: dt.datetime) -> sa.ColumnElement[int]:
    """An open step's traffic light as its index in `LIGHTS` (a case's is its steps' worst)."""
    red, yellow = _urgent(now)
    return sa.case((red, 2), (yellow, 1), else_=0)


def lights(now: dt.datetime) -> sa.ColumnElement[str]:
    """An open step's traffic light by name."""
    red, yellow = _urgent(now)
    return sa.case((red, "red"), (yellow, "yellow"), else_="green")


def light_counts(now: dt.datetime, chosen: list[Any]) -> Any:
    """The `chosen` step rows by department: (department, green, yellow, red), counted in one
    pass over the lights index (no sort by a computed light)."""
    red, yellow = _urgent(now)
    n_red = sa.func.count().filter(red)
    n_yellow = sa.func.count().filter(sa.and_(sa.not_(red), yellow))
    return (
        sa.select(col(StepRow.department), sa.func.count() - n_red - n_yellow, n_yellow, n_red)
        .where(*chosen)
        .group_by(col(StepRow.department))
    )


def _turning(level: str, now: dt.datetime, until: dt.datetime) -> tuple[Any, list[Any]]:
    """The moment column of `level` and the open steps it falls after `now` and by `until`
    on, leaving out a level already fired (a sweep run as of a later moment)."""
    moment = col(StepRow.yellow_at) if level == "yellow" else col(StepRow.red_at)
    fired_ahead = (
        sa.select(col(EscalationRow.id))
        .where(
            col(EscalationRow.fired_at) > now,
            col(EscalationRow.case_id) == col(StepRow.case_id),
            col(EscalationRow.step_id) == col(StepRow.step_id),
            col(EscalationRow.attempt) == col(StepRow.attempt),
            col(EscalationRow.level) == level,
        )
        .exists()
    )
    return moment, [moment > now, moment <= until, ~fired_ahead]


def forecast_queries(
    chosen: list[Any], now: dt.datetime, until: dt.datetime, most_urgent: int
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """What turns yellow or red after `now` and by `until` among the `chosen` open steps:
    how many of each (one row: yellow, red) and the `most_urgent` soonest (case, step,
    department, level, moment, due), each a range over its moment's index."""
    counts, soonest = [], []
    for level in FORECAST_LEVELS:
        moment, window = _turning(level, now, until)
        counts.append(
            sa.select(sa.func.count())
            .select_from(StepRow)
            .where(*chosen, *window)
            .scalar_subquery()
        )
        soonest.append(
            sa.select(
                col(StepRow.case_id),
                col(StepRow.step_id),
                col(StepRow.department),
                sa.literal(level).label("level"),
                moment.label("at"),
                col(StepRow.due_at),
                sa.literal(FORECAST_LEVELS.index(level)).label("rank"),
            )
            .where(*chosen, *window)
            .order_by(moment, col(StepRow.case_id), col(StepRow.step_id))
            .limit(most_urgent)
        )
    both = sa.union_all(*(sa.select(q.subquery()) for q in soonest)).subquery()
    first = (
        sa.select(*[c for c in both.c if c.name != "rank"])
        .order_by(both.c.at, both.c.case_id, both.c.step_id, both.c.rank)
        .limit(most_urgent)
    )
    return sa.select(*counts), first


def overview(
    cases: CaseService,
    *,
    department: str | None = None,
    workflow: str | None = None,
    most_overdue: int = 10,
    most_urgent: int = 20,
) -> OverviewView:
    """The overview at the case service's `now`, limited to `department` / `workflow`: every
    figure an aggregate or a range in the database, the forecast included (how many open
    steps turn yellow or red by the week's close, and the `most_urgent` soonest)."""
    now = cases.clock()
    at = as_utc(now)
    calendar = cases.calendars.get(cases.calendars.ids[0])
    chosen = [col(StepRow.is_open) == True]  # noqa: E712
    if department:
        chosen.append(col(StepRow.department) == department)
    if workflow:
        chosen.append(
            col(StepRow.case_id).in_(
                sa.select(col(CaseRow.id)).where(col(CaseRow.workflow_id) == workflow)
            )
        )
    by_status_q = sa.select(col(CaseRow.status), sa.func.count()).group_by(col(CaseRow.status))
    went_red = (
        sa.select(col(EscalationRow.id))
        .where(col(EscalationRow.case_id) == col(CaseRow.id), col(EscalationRow.level) == "red")
        .exists()
    )
    on_time_q = sa.select(sa.func.count(), sa.func.sum(sa.case((went_red, 0), else_=1))).where(
        col(CaseRow.status).in_(CLOSED)
    )
    if workflow:
        by_status_q = by_status_q.where(col(CaseRow.workflow_id) == workflow)
        on_time_q = on_time_q.where(col(CaseRow.workflow_id) == workflow)
    lights_q = light_counts(at, chosen)
    overdue_q = (
        sa.select(
            col(StepRow.case_id), col(StepRow.step_id), col(StepRow.department), col(StepRow.due_at)
        )
        .where(*chosen, col(StepRow.due_at) < at)
        .order_by(col(StepRow.due_at))
        .limit(most_overdue)
    )
    week_end = end_of_working_week(calendar, now)
    counts_q, urgent_q = forecast_queries(chosen, at, as_utc(week_end), most_urgent)

    def local(moment: Any) -> dt.datetime:  # a stored moment (UTC) in the calendar's zone
        return calendar.local(as_utc(moment))

    with cases.engine.connect() as db:
        by_status = {str(s): int(n) for s, n in db.execute(by_status_q)}
        closed, on_time = db.execute(on_time_q).one()
        departments = [
            DepartmentLights(department=d, green=g, yellow=y, red=r)
            for d, g, y, r in db.execute(lights_q.order_by(col(StepRow.department)))
        ]
        overdue = [
            OverdueStep(
                case=c,
                step=s,
                department=d,
                due=local(due),
                overdue_working_days=calendar.working_days_between(
                    local(due).date(), local(now).date()
                ),
            )
            for c, s, d, due in db.execute(overdue_q)
        ]
        yellow, red = db.execute(counts_q).one()
        forecast = [
            TurningStep(
                case=c,
                step=s,
                department=d,
                level=level,
                scheduled_at=local(moment),
                due=local(due),
            )
            for c, s, d, level, moment, due in db.execute(urgent_q)
        ]
    return OverviewView(
        at=local(now),
        by_status=by_status,
        departments=departments,
        closed=int(closed or 0),
        closed_on_time=int(on_time or 0),
        most_overdue=overdue,
        week_end=week_end,
        turning_yellow=int(yellow),
        turning_red=int(red),
        forecast=forecast,
    )
