"""The sweep's index: `next_escalation_at` on each open step row and on the case row.

Kept up to date by the case service whenever it writes a case (`refresh`), so the sweep finds
what is due by an index range scan, never by reading every case.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import update
from sqlmodel import Session, col, select

from engine.calendar import WorkingCalendar
from engine.cases.case import Case
from engine.cases.tables import CaseRow, EscalationRow, StepRow
from engine.definitions.model import Workflow
from engine.escalation.clocks import Past, Tracked, clock_key, plan, tracked_clocks


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored moment as an aware UTC datetime (SQLite hands them back naive)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def history(session: Session, case_id: str) -> dict[str, Past]:
    """What has fired on each clock of the case (and any order's date)."""
    fired: dict[str, set[str]] = defaultdict(set)
    orders: dict[str, dt.datetime] = {}
    rows = session.execute(
        select(EscalationRow.clock_key, EscalationRow.level, EscalationRow.order_due).where(
            EscalationRow.case_id == case_id
        )
    )
    for key, level, order_due in rows:
        fired[key].add(level)
        if order_due is not None:
            orders[key] = aware(order_due)  # type: ignore[assignment]
    return {k: Past(frozenset(fired.get(k, ())), orders.get(k)) for k in {*fired, *orders}}


def next_times(
    clocks: list[Tracked], past: dict[str, Past], calendar: WorkingCalendar, now: dt.datetime
) -> dict[str, dt.datetime | None]:
    return {t.key: plan(t, calendar, now, past.get(t.key, Past())).next_at for t in clocks}


def refresh(
    session: Session,
    row: CaseRow,
    case: Case,
    workflow: Workflow,
    calendar: WorkingCalendar,
    now: dt.datetime,
) -> None:
    """Write each clock's next escalation time where it changed (after the case is written)."""
    nexts = next_times(tracked_clocks(case, workflow), history(session, case.id), calendar, now)
    stored = dict(
        session.execute(
            select(StepRow.step_id, StepRow.next_escalation_at).where(StepRow.case_id == case.id)
        ).all()
    )
    for step_id, run in case.steps.items():
        wanted = _utc(nexts.get(clock_key(case.id, step_id, run.attempt)))
        if step_id in stored and aware(stored[step_id]) != wanted:
            session.execute(
                update(StepRow)
                .where(col(StepRow.case_id) == case.id, col(StepRow.step_id) == step_id)
                .values(next_escalation_at=wanted)
            )
    wanted = _utc(nexts.get(clock_key(case.id, None)))
    if aware(row.next_escalation_at) != wanted:
        session.execute(
            update(CaseRow)
            .where(col(CaseRow.id) == case.id)
            .values(next_escalation_at=wanted)
            .execution_options(synchronize_session=False)
        )


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC) if moment is not None else None
