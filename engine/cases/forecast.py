"""The overview's week forecast: which clocks turn yellow or red by the end of this working
week. Ranges over the moments the rows hold (`engine.escalation.index`: each open step's,
each case's own clock's, each negative matter's decision clock's), the same levels the
sweep's dry run at the week's close lists; counted in the database, the soonest listed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from engine.calendar import WorkingCalendar
from engine.cases.state import CaseStatus
from engine.cases.tables import STEP_OPEN, CaseRow, EscalationRow, NegativeRow, StepRow

FORECAST_LEVELS = ("yellow", "red")
STEP, CASE, ACCEPTANCE, NEGATIVE = "step", "case", "acceptance", "negative"  # clock kinds


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


@dataclass(frozen=True)
class Filters:
    """The overview's filters: a department (the one answerable for a clock), a workflow."""

    department: str | None = None
    workflow: str | None = None


@dataclass(frozen=True)
class _Clocks:
    """A table of rows holding when a clock turns yellow and red, as the forecast reads it."""

    table: Any
    moments: tuple[Any, Any]  # the yellow and red moment columns
    columns: tuple[Any, ...]  # case, step, department, kind, clock key, due
    where: tuple[Any, ...]
    fired: tuple[Any, ...]  # an escalation row of this clock (its level aside)
    order: tuple[Any, ...]  # after the moment: the order of the table's forecast index


def _sources(filters: Filters) -> list[_Clocks]:
    steps_where = [STEP_OPEN]
    cases_where: list[Any] = []
    negatives_where = [col(NegativeRow.status) == "pending"]
    if filters.department:
        steps_where.append(col(StepRow.department) == filters.department)
        cases_where.append(col(CaseRow.owner) == filters.department)
        negatives_where.append(col(NegativeRow.department) == filters.department)
    if filters.workflow:
        of_workflow = sa.select(col(CaseRow.id)).where(col(CaseRow.workflow_id) == filters.workflow)
        steps_where.append(col(StepRow.case_id).in_(of_workflow))
        cases_where.append(col(CaseRow.workflow_id) == filters.workflow)
        negatives_where.append(col(NegativeRow.case_id).in_(of_workflow))
    submitted = col(CaseRow.status) == CaseStatus.SUBMITTED.value
    case_kind = sa.case((submitted, ACCEPTANCE), else_=CASE)
    no_time = sa.null().cast(sa.DateTime(timezone=True))
    return [
        _Clocks(
            StepRow,
            (col(StepRow.yellow_at), col(StepRow.red_at)),
            (
                col(StepRow.case_id),
                col(StepRow.step_id),
                col(StepRow.department),
                sa.literal(STEP),
                sa.null().cast(sa.String),
                col(StepRow.due_at),
            ),
            tuple(steps_where),
            (
                col(EscalationRow.case_id) == col(StepRow.case_id),
                col(EscalationRow.step_id) == col(StepRow.step_id),
                col(EscalationRow.attempt) == col(StepRow.attempt),
            ),
            (col(StepRow.case_id), col(StepRow.step_id)),
        ),
        _Clocks(
            CaseRow,
            (col(CaseRow.yellow_at), col(CaseRow.red_at)),
            (
                col(CaseRow.id),
                sa.null().cast(sa.String),
                col(CaseRow.owner),
                case_kind,
                col(CaseRow.id) + ":" + case_kind,
                sa.case((submitted, no_time), else_=col(CaseRow.promised_due_at)),
            ),
            tuple(cases_where),
            (col(EscalationRow.clock_key) == col(CaseRow.id) + ":" + case_kind,),
            (col(CaseRow.id),),
        ),
        _Clocks(
            NegativeRow,
            (col(NegativeRow.yellow_at), col(NegativeRow.red_at)),
            (
                col(NegativeRow.case_id),
                sa.null().cast(sa.String),
                col(NegativeRow.department),
                sa.literal(NEGATIVE),
                col(NegativeRow.case_id) + f":{NEGATIVE}:" + col(NegativeRow.id),
                no_time,
            ),
            tuple(negatives_where),
            (
                col(EscalationRow.clock_key)
                == col(NegativeRow.case_id) + f":{NEGATIVE}:" + col(NegativeRow.id),
            ),
            (col(NegativeRow.case_id), col(NegativeRow.id)),
        ),
    ]


NAMES = ("case_id", "step_id", "department", "clock", "clock_key", "due")


def forecast_queries(
    filters: Filters, now: dt.datetime, until: dt.datetime, most_urgent: int
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """What turns yellow or red after `now` and by `until`: how many of each (one row:
    yellow, red) and the `most_urgent` soonest (case, step, department, clock kind, clock key,
    due, level, moment), each a range over a moment's index, leaving out a level already
    fired (a sweep run as of a later moment). The due time of a case's acceptance or
    decision clock is not stored: None here."""
    counts: list[Any] = []
    soonest = []
    for rank, level in enumerate(FORECAST_LEVELS):
        found = []
        for source in _sources(filters):
            moment = source.moments[rank]
            fired_ahead = (
                sa.select(col(EscalationRow.id))
                .where(
                    col(EscalationRow.fired_at) > now,
                    col(EscalationRow.level) == level,
                    *source.fired,
                )
                .exists()
            )
            window = (*source.where, moment > now, moment <= until, ~fired_ahead)
            found.append(sa.select(sa.func.count()).select_from(source.table).where(*window))
            labelled = [c.label(n) for c, n in zip(source.columns, NAMES, strict=True)]
            soonest.append(
                sa.select(
                    *labelled,
                    sa.literal(level).label("level"),
                    moment.label("at"),
                    sa.literal(rank).label("rank"),
                )
                .where(*window)
                .order_by(moment, *source.order)
                .limit(most_urgent)
            )
        counts.append(sum((q.scalar_subquery() for q in found[1:]), found[0].scalar_subquery()))
    every = sa.union_all(*(sa.select(q.subquery()) for q in soonest)).subquery()
    first = (
        sa.select(*[c for c in every.c if c.name != "rank"])
        .order_by(
            every.c.at,
            every.c.case_id,
            sa.func.coalesce(every.c.step_id, ""),
            every.c.rank,
        )
        .limit(most_urgent)
    )
    return sa.select(*counts), first
