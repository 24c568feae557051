"""The operators' overview (运行总览): counts computed in the database (GROUP BY over the
cases and the open steps, never the cases loaded into Python), and the sweep's forecast of
what turns yellow or red by the end of this working week."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col

from engine.calendar import WorkingCalendar
from engine.cases.state import CLOSED_CASE
from engine.cases.tables import CaseRow, EscalationRow, StepRow
from engine.clock import as_utc
from engine.views.overview import DepartmentLights, OverdueStep, OverviewView

if TYPE_CHECKING:
    from engine.cases.service import CaseService
    from engine.escalation.fired import Fired
    from engine.escalation.sweep import Supervision
    from engine.views.supervision import FiredView

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


def _urgent(now: dt.datetime) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """An open step is red past due; yellow once a yellow level fired on this attempt, or one
    is due unswept; else green."""
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
    return col(StepRow.due_at) < now, sa.or_(yellow_fired, col(StepRow.next_escalation_at) <= now)


def light_rank(now: dt.datetime) -> sa.ColumnElement[int]:
    """An open step's traffic light as its index in `LIGHTS` (a case's is its steps' worst)."""
    red, yellow = _urgent(now)
    return sa.case((red, 2), (yellow, 1), else_=0)


def lights(now: dt.datetime) -> sa.ColumnElement[str]:
    """An open step's traffic light by name."""
    red, yellow = _urgent(now)
    return sa.case((red, "red"), (yellow, "yellow"), else_="green")


def _soonest_cases(
    steps: sa.Subquery, now: dt.datetime, until: dt.datetime, limit: int, *, unfiltered: bool
) -> sa.Select[Any]:
    """The cases with a level due after `now` and by `until`, soonest first: their open steps'
    next level (of the filtered steps) or, `unfiltered`, their own clocks' too."""
    step_next = sa.select(
        steps.c.case_id.label("case_id"), steps.c.next_escalation_at.label("at")
    ).where(steps.c.next_escalation_at > now, steps.c.next_escalation_at <= until)
    union = step_next
    if unfiltered:
        case_next = sa.select(col(CaseRow.id), col(CaseRow.next_escalation_at)).where(
            col(CaseRow.next_escalation_at) > now, col(CaseRow.next_escalation_at) <= until
        )
        union = sa.union_all(step_next, case_next)  # type: ignore[assignment]
    nexts = union.subquery()
    return (
        sa.select(nexts.c.case_id)
        .group_by(nexts.c.case_id)
        .order_by(sa.func.min(nexts.c.at), nexts.c.case_id)
        .limit(limit)
    )


def overview(
    cases: CaseService,
    supervision: Supervision,
    *,
    department: str | None = None,
    workflow: str | None = None,
    most_overdue: int = 10,
    forecast_cases: int = 20,
) -> OverviewView:
    """The overview at the case service's `now`, limited to `department` / `workflow`; the
    forecast is the sweep's dry run at the week's end over the `forecast_cases` cases whose
    next level comes soonest (read from the sweep's index, not every case loaded)."""
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
    steps = sa.select(StepRow).where(*chosen).subquery()
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
    light = lights(at).label("light")
    lights_q = (
        sa.select(col(StepRow.department), light, sa.func.count())
        .where(*chosen)
        .group_by(col(StepRow.department), light)
    )
    overdue_q = (
        sa.select(steps.c.case_id, steps.c.step_id, steps.c.department, steps.c.due_at)
        .where(steps.c.due_at < at)
        .order_by(steps.c.due_at)
        .limit(most_overdue)
    )
    with cases.engine.connect() as db:
        by_status = {str(s): int(n) for s, n in db.execute(by_status_q)}
        closed, on_time = db.execute(on_time_q).one()
        table: dict[str, dict[str, int]] = {}
        for dept, colour, n in db.execute(lights_q):
            table.setdefault(dept, {"green": 0, "yellow": 0, "red": 0})[colour] = int(n)
        overdue = [
            OverdueStep(
                case=c,
                step=s,
                department=d,
                due=calendar.local(as_utc(due)),
                overdue_working_days=calendar.working_days_between(
                    calendar.local(as_utc(due)).date(), calendar.local(now).date()
                ),
            )
            for c, s, d, due in db.execute(overdue_q)
        ]
    week_end = end_of_working_week(calendar, now)
    forecast: list[FiredView] = []

    def keep(fired: Fired) -> None:  # only these: the forecast streams through
        if fired.level in FORECAST_LEVELS and fired.scheduled_at > now:
            forecast.append(fired.view())

    soonest = _soonest_cases(steps, at, as_utc(week_end), forecast_cases, unfiltered=not department)
    with cases.engine.connect() as db:
        ids = [str(case_id) for case_id in db.execute(soonest).scalars()]
    supervision.sweep(at=week_end, dry_run=True, cases=ids, each=keep)
    if department or workflow:
        with cases.engine.connect() as db:
            shown = {
                (c, s)
                for c, s in db.execute(
                    sa.select(steps.c.case_id, steps.c.step_id).where(
                        steps.c.case_id.in_({f.case for f in forecast})
                    )
                )
            }
        forecast = [f for f in forecast if (f.case, f.step) in shown]
    return OverviewView(
        at=calendar.local(now),
        by_status=by_status,
        departments=[DepartmentLights(department=d, **table[d]) for d in sorted(table)],
        closed=int(closed or 0),
        closed_on_time=int(on_time or 0),
        most_overdue=overdue,
        week_end=week_end,
        forecast=forecast,
    )
