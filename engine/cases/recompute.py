"""Deadlines re-read (`onething case recompute`): every open case's clocks on the calendars as
loaded now (a provisional year became official, a regional day was added), each deadline that
moved recorded as a case event, the step rows' yellow and red moments brought in line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.cases import machine
from engine.cases.case import Case
from engine.cases.commands import CaseCommands
from engine.cases.deadlines import moved_deadlines
from engine.cases.state import CLOSED_CASE, CaseStatus
from engine.cases.tables import STEP_OPEN, CaseRow, StepRow
from engine.cases.writes import Writes
from engine.clock import as_utc
from engine.escalation import index as escalation_index
from engine.retry import CONTENTION
from engine.store.unit_of_work import UnitOfWork
from engine.views.cases import DeadlineMoved

CLOSED = [s.value for s in CLOSED_CASE]


class DeadlineRecompute(CaseCommands):
    """Deadlines and stored moments re-read for the cases of one database."""

    def recompute_deadlines(self) -> list[DeadlineMoved]:
        """Re-read every open case's clocks on the calendars as loaded now (a provisional year
        became official, a regional day was added) and record each deadline that moved as a
        case event; the step rows and the escalation index follow. Returns what moved."""
        return CONTENTION.run(self._recompute)

    def _recompute(self) -> list[DeadlineMoved]:
        now = self.clock()
        moved: list[DeadlineMoved] = []
        writes = Writes()
        with UnitOfWork(self.engine) as uow:
            session = uow.session
            stored: dict[str, dict[str | None, dt.datetime | None]] = {}
            turns: dict[str, dict[str, escalation_index.Turns]] = {}
            for case_id, step_id, due, yellow, red in session.execute(
                sa.select(
                    col(StepRow.case_id),
                    col(StepRow.step_id),
                    col(StepRow.due_at),
                    col(StepRow.yellow_at),
                    col(StepRow.red_at),
                ).where(STEP_OPEN)
            ):
                stored.setdefault(case_id, {})[step_id] = due
                turns.setdefault(case_id, {})[step_id] = (as_utc(yellow), as_utc(red))
            stale: list[tuple[str, str, escalation_index.Turns]] = []
            open_cases = select(CaseRow).where(
                col(CaseRow.id).in_(sorted(stored))
                | col(CaseRow.status).in_([s.value for s in CaseStatus if not s.closed])
            )
            for row in session.exec(open_cases):
                case = Case.from_json(row.snapshot)
                calendar = self.calendars.get(case.calendar)
                dues = stored.get(case.id, {}) | {
                    "promised": row.promised_due_at,
                    "statutory": row.statutory_due_at,
                }
                changes = moved_deadlines(case, calendar, now, stored=dues)
                if not changes:  # the rows stand; their yellow and red moments are brought in line
                    workflow = self.workflows(case.workflow_id, case.workflow_version)
                    stored_turns = turns.get(case.id, {})
                    stale += escalation_index.turn_updates(
                        case, workflow, calendar, now, stored=stored_turns
                    )
                    continue
                event = machine.Event("deadlines.recomputed", {"changes": changes})
                self.record_unchanged(writes, session, row, case, [event], now=now)
                moved += [
                    DeadlineMoved(
                        case=case.id,
                        clock=change["clock"],
                        step=change["step"],
                        old_due=dt.datetime.fromisoformat(change["old_due"]),
                        new_due=dt.datetime.fromisoformat(change["new_due"]),
                        provisional=change["provisional"],
                        unsettled_layers=self.unsettled_layers(case.calendar, change["new_due"])
                        if change["provisional"]
                        else [],
                    )
                    for change in changes
                ]
            writes.flush(session.connection())
            escalation_index.write_turns(session, stale)
            uow.commit()
        return moved

    def unsettled_layers(self, calendar_id: str, due: str) -> list[str]:
        """The calendar files whose schedule for a year up to `due` is not yet published."""
        years = range(self.clock().year, dt.datetime.fromisoformat(due).year + 1)
        found = [layer for y in years for layer in self.calendars.unsettled(calendar_id, y)]
        return list(dict.fromkeys(found))

    def fill_moments(self, *, batch: int = 500) -> int:
        """Give the rows written before they kept when their clocks turn yellow and red
        (migrations 0017 and 0018) those moments, a batch of cases per unit of work, so a
        start after an upgrade fills them (`engine.bootstrap`): the open step rows of running
        clocks without any, and the open cases without their case clock's department (with
        their negative matters). Idempotent: a row once filled is no longer missing anything;
        a step row with nothing to keep (no ladder with those levels) is read again and left
        as it is. Returns the rows filled."""
        steps_missing = [
            STEP_OPEN,
            col(StepRow.suspended) == False,  # noqa: E712
            col(StepRow.due_at).is_not(None),
            col(StepRow.yellow_at).is_(None),
            col(StepRow.red_at).is_(None),
        ]
        cases_missing = [col(CaseRow.owner).is_(None), col(CaseRow.status).not_in(CLOSED)]
        filled = 0
        for ids in _batches(self.engine, col(StepRow.case_id), steps_missing, batch):
            filled += self._fill_steps(ids, steps_missing)
        for ids in _batches(self.engine, col(CaseRow.id), cases_missing, batch):
            filled += self._fill_cases(ids)
        return filled

    def _fill_steps(self, ids: list[str], missing: list[Any]) -> int:
        with UnitOfWork(self.engine) as uow:
            session = uow.session
            steps: dict[str, dict[str, escalation_index.Turns]] = {}
            for case_id, step_id in session.execute(
                sa.select(col(StepRow.case_id), col(StepRow.step_id)).where(
                    *missing, col(StepRow.case_id).in_(ids)
                )
            ):
                steps.setdefault(case_id, {})[step_id] = (None, None)
            changes: list[tuple[str, str, escalation_index.Turns]] = []
            for case in self._cases(session, ids):
                workflow = self.workflows(case.workflow_id, case.workflow_version)
                calendar = self.calendars.get(case.calendar)
                changes += escalation_index.turn_updates(
                    case, workflow, calendar, self.clock(), stored=steps[case.id]
                )
            escalation_index.write_turns(session, changes)
            uow.commit()
        return len(changes)

    def _fill_cases(self, ids: list[str]) -> int:
        with UnitOfWork(self.engine) as uow:
            session = uow.session
            changes = []
            for case in self._cases(session, ids):
                workflow = self.workflows(case.workflow_id, case.workflow_version)
                calendar = self.calendars.get(case.calendar)
                own = escalation_index.own_turning(case, workflow, calendar, self.clock())
                changes.append((case.id, workflow.owner, own))
            escalation_index.write_own_turns(session, changes)
            uow.commit()
        return len(changes)

    @staticmethod
    def _cases(session: Session, ids: list[str]) -> list[Case]:
        rows = session.execute(sa.select(col(CaseRow.snapshot)).where(col(CaseRow.id).in_(ids)))
        return [Case.from_json(snapshot) for (snapshot,) in rows]


def _batches(engine: sa.Engine, key: Any, missing: list[Any], size: int) -> Iterator[list[str]]:
    """The case ids of the rows `missing` something, `size` at a time, in id order (each
    batch read after the one before was written)."""
    last = ""
    while True:
        with engine.connect() as connection:
            ids = list(
                connection.execute(
                    sa.select(key)
                    .where(*missing, key > last)
                    .group_by(key)
                    .order_by(key)
                    .limit(size)
                ).scalars()
            )
        if not ids:
            return
        yield ids
        last = ids[-1]
