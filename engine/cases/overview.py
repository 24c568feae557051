"""The operators' overview (运行总览): counts computed in the database (GROUP BY over the
cases and the open steps, never the cases loaded into Python), the steps' traffic lights, and
the forecast of what turns yellow or red by the end of this working week
(`engine.cases.forecast`: steps, the cases' own clocks and negative matters' decisions)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlmodel import col

from engine.cases.acceptance import verification_overdue_before
from engine.cases.forecast import Filters, end_of_working_week, forecast_queries
from engine.cases.state import CLOSED_CASE
from engine.cases.tables import CASE_TO_VERIFY, STEP_OPEN, CaseRow, EscalationRow, StepRow
from engine.clock import as_utc
from engine.escalation.firings import tracked_clocks
from engine.views.overview import (
    DepartmentLights,
    DepartmentVerifying,
    OverdueStep,
    OverviewView,
    TurningStep,
)

if TYPE_CHECKING:
    from engine.cases.service import CaseService

CLOSED = [s.value for s in CLOSED_CASE]


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


def light_of(
    due: dt.datetime, yellow_at: dt.datetime | None, now: dt.datetime
) -> Literal["green", "yellow", "red"]:
    """A running clock's light as `_urgent` gives an open step's: red past due, yellow once
    its ladder's yellow moment has passed, else green (for clocks no row holds)."""
    if due < now:
        return "red"
    return "yellow" if yellow_at is not None and yellow_at <= now else "green"


def light_rank(now: dt.datetime) -> sa.ColumnElement[int]:
    """An open step's traffic light as its index in `LIGHTS` (a case's is its steps' worst)."""
    red, yellow = _urgent(now)
    return sa.case((red, 2), (yellow, 1), else_=0)


def worklist_segments(now: dt.datetime) -> list[Any]:
    """A worklist's segments, most urgent first: running clocks red, yellow, green, then the
    clocks standing still (waiting on the applicant) red, yellow, green — exclusive
    conditions on an open step row (the lights of `lights`), each read in due order by the
    worklist index; a segment's index in this list is its urgency."""
    red, yellow = _urgent(now)
    due = col(StepRow.due_at)
    by_light = [
        due < now,  # red, a range of the index
        sa.and_(sa.or_(due >= now, due.is_(None)), yellow),
        sa.and_(sa.or_(due >= now, due.is_(None)), sa.not_(yellow)),
    ]
    stopped = col(StepRow.suspended)
    return [sa.and_(s, light) for s in (sa.not_(stopped), stopped) for light in by_light]


def segment_light(urgency: int) -> str:
    """The light of a worklist segment (`worklist_segments`)."""
    return ("red", "yellow", "green")[urgency % 3]


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
    steps turn yellow or red by the week's close, and the `most_urgent` soonest), and the
    windows' tasks to verify (`_verifying`)."""
    now = cases.clock()
    at = as_utc(now)
    calendar = cases.calendars.get(cases.calendars.ids[0])
    chosen = [STEP_OPEN]
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
        .order_by(col(StepRow.due_at), col(StepRow.case_id), col(StepRow.step_id))
        .limit(most_overdue)
    )
    week_end = end_of_working_week(calendar, now)
    filters = Filters(department, workflow)
    counts_q, urgent_q = forecast_queries(filters, at, as_utc(week_end), most_urgent)

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
        verifying = _verifying(cases, db, department=department, workflow=workflow, now=at)
        yellow, red = db.execute(counts_q).one()
        soonest = list(db.execute(urgent_q))
    dues = _case_clock_dues(cases, [r.clock_key for r in soonest if r.due is None], now)
    forecast = [
        TurningStep(
            case=r.case_id,
            step=r.step_id,
            clock=r.clock,
            department=r.department,
            level=r.level,
            scheduled_at=local(r.at),
            due=local(r.due if r.due is not None else dues[r.clock_key]),
        )
        for r in soonest
    ]
    return OverviewView(
        at=local(now),
        by_status=by_status,
        departments=departments,
        verifying=verifying,
        closed=int(closed or 0),
        closed_on_time=int(on_time or 0),
        most_overdue=overdue,
        week_end=week_end,
        turning_yellow=int(yellow),
        turning_red=int(red),
        forecast=forecast,
    )


def _verifying(
    cases: CaseService,
    db: sa.Connection,
    *,
    department: str | None,
    workflow: str | None,
    now: dt.datetime,
) -> list[DepartmentVerifying]:
    """The windows' tasks to verify a material (待核验) of the open cases, by the workflow
    owner's department: how many, and how many past due — summed over the few rows of the
    `ix_cases_to_verify` index, a group per workflow version, never a snapshot read.

    A task is due when Art. 32's window from its material's arrival ends; the tasks are made
    at intake (`engine.cases.sharing.take_looked_up`), so that arrival is the case's
    submission, and `verification_overdue_before` parts the late ones by one moment on the
    indexed `submitted_at` (one moment per calendar: the workflow's). Their yellow mark, the
    ladder's share of each window in working minutes, is no such range of a stored column, so
    the overview counts total and overdue; the worklist lights each task."""
    ids = cases.calendars.ids
    late_before = [verification_overdue_before(cases.calendars.get(c), now) for c in ids]
    tasks, submitted = col(CaseRow.to_verify), col(CaseRow.submitted_at)
    # the partial index's own column first, so SQLite groups the few rows it holds rather
    # than walk the workflow index over every case to spare a sort
    groups = (col(CaseRow.owner), col(CaseRow.workflow_id), col(CaseRow.workflow_version))
    query = (
        sa.select(
            *groups,
            sa.func.sum(tasks),
            *(sa.func.sum(sa.case((submitted < as_utc(t), tasks), else_=0)) for t in late_before),
        )
        .where(CASE_TO_VERIFY, col(CaseRow.status).not_in(CLOSED))
        .group_by(*groups)
    )
    if department:  # a row written before its owner was kept holds none (`fill_moments`)
        owner = col(CaseRow.owner)
        query = query.where(sa.or_(owner == department, owner.is_(None)))
    if workflow:
        query = query.where(col(CaseRow.workflow_id) == workflow)
    counts: dict[str, tuple[int, int]] = {}
    for _owner, workflow_id, version, total, *late in db.execute(query):
        definition = cases.workflows(workflow_id, version)
        if department and definition.owner != department:
            continue
        known = counts.get(definition.owner, (0, 0))
        overdue = late[ids.index(definition.calendar)]
        counts[definition.owner] = (known[0] + int(total), known[1] + int(overdue))
    return [
        DepartmentVerifying(department=d, total=total, overdue=overdue)
        for d, (total, overdue) in sorted(counts.items())
    ]


def _case_clock_dues(
    cases: CaseService, keys: list[str], now: dt.datetime
) -> dict[str, dt.datetime]:
    """The due times of the listed clocks a row does not hold (a case's acceptance clock, a
    negative matter's decision clock), read from their cases: clock key → due (local)."""
    found: dict[str, dt.datetime] = {}
    for case_id in dict.fromkeys(key.split(":", 1)[0] for key in keys):
        case = cases.load(case_id)
        workflow = cases.workflows(case.workflow_id, case.workflow_version)
        calendar = cases.calendars.get(case.calendar)
        for tracked in tracked_clocks(case, workflow, steps=(), case_clock=True):
            found[tracked.key] = tracked.clock.read(calendar, now).due
    return found
