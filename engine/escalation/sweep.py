"""The supervision sweep (电子监察): fire what is due, once per clock and level, then notify.

One sweep reads the due clocks through the `next_escalation_at` index, locks their cases
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two sweepers share the work instead of repeating
it; SQLite has a single writer), records each level as an `escalations` row (unique per clock
and level), as a case event in the hash chain and its notice's deliveries as records not yet
sent (the outbox), commits the unit of work, and only then sends those records in one round
(`engine.notify.rounds`: endpoints served in parallel, one attempt each, an endpoint found
down not tried again in the sweep, bounded time): a failed notification never blocks, stalls
or rolls back an escalation. Each sweep first sends, in one bounded round, the records left
unsent: queued by a sweep killed before its round, failed and due for another attempt, or
pending and gone stale. Acknowledgements and orders are `engine.escalation.orders`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert, update
from sqlmodel import Session, SQLModel, col, select

from engine.cases.case import SYSTEM, Case
from engine.cases.machine import Event
from engine.cases.recording import record_escalations
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow, EscalationRow, among
from engine.cases.writes import Writes
from engine.clock import as_utc
from engine.definitions.catalogue import Catalogue
from engine.errors import OnethingError
from engine.escalation import index, lapses
from engine.escalation.due import due_cases
from engine.escalation.fired import Fired, Names
from engine.escalation.firings import Past, Tracked, plan_firings, tracked_clocks
from engine.escalation.orders import Orders
from engine.notify import deliveries, rounds
from engine.notify.dispatch import Dispatcher
from engine.retry import CONTENTION
from engine.store.unit_of_work import UnitOfWork
from engine.views.supervision import SweepView

logger = logging.getLogger("onething.escalation")


@dataclass
class SweepReport:
    """What a sweep did: the levels it fired (kept in `fired` only when no one took them as
    they came: see `Supervision.sweep`), the cases looked at, the deadlines applied."""

    at: dt.datetime
    dry_run: bool
    fired: list[Fired] = field(default_factory=list)
    cases: int = 0  # cases looked at
    levels: int = 0  # levels fired (or, dry, that would fire)
    lapsed: list[tuple[str, str]] = field(default_factory=list)  # (case, action) applied

    def view(self) -> SweepView:
        return SweepView(
            at=self.at,
            dry_run=self.dry_run,
            cases=self.cases,
            fired=[f.view() for f in self.fired],
        )


class Supervision(Orders):
    """The sweep, acknowledgements and orders, over the case service's database."""

    def __init__(
        self,
        cases: CaseService,
        *,
        catalogue: Catalogue,
        dispatcher: Dispatcher | None = None,
        batch: int = 500,
        late_after: dt.timedelta = dt.timedelta(minutes=5),
    ):
        self.cases, self.catalogue, self.dispatcher = cases, catalogue, dispatcher
        self.batch, self.late_after = batch, late_after

    # -- the sweep --------------------------------------------------------------------------

    def sweep(
        self,
        *,
        at: dt.datetime | None = None,
        dry_run: bool = False,
        cases: Collection[str] | None = None,
        each: Callable[[Fired], None] | None = None,
    ) -> SweepReport:
        """Fire every level due by `at` (default: now); `dry_run` only says what would fire.
        `cases`: only on those cases (None: every case of the database), so that a sweep as of
        another moment (the demo's) leaves everybody else's cases alone. `each` takes every
        level as its batch is done (then `fired` stays empty, and the sweep holds one batch
        however many levels fire); without it the report keeps them all."""
        now = at or self.cases.clock()
        for calendar_id in self.cases.calendars.ids:  # outside a calendar: CalendarError
            self.cases.calendars.get(calendar_id).is_working_day(now.date())
        report = SweepReport(at=now, dry_run=dry_run)
        only = None if cases is None else list(dict.fromkeys(cases))
        down: set[str] = set()  # endpoints found unreachable: not tried again in this sweep
        take = each or report.fired.append
        if not dry_run and self.dispatcher is not None:
            rounds.deliver_unsent(self.dispatcher, self.engine, down=down)
        for ids in due_cases(lambda: Session(self.engine), now, batch=self.batch, only=only):
            report.cases += len(ids)
            fired = self._fire_batch(ids, now, dry_run=dry_run)
            if not dry_run:
                report.lapsed += self._apply_lapses(ids, now)
                fired = self.deliver_round(fired, down=down)
            report.levels += len(fired)
            for one in fired:
                take(one)
        return report

    def _apply_lapses(self, ids: list[str], now: dt.datetime) -> list[tuple[str, str]]:
        """Apply, as the system, the self-acting deadlines passed by `now` on the cases `ids`
        (deemed acceptance, 容缺 expiry: `engine.escalation.lapses`), each in its own command
        under a key naming the case, the action and its deadline, so sweepers racing on one
        case apply it once and the loser replays the winner's result."""
        applied = []
        with UnitOfWork(self.engine) as uow:  # only a case row's index holds these deadlines
            snapshots = uow.session.execute(
                select(CaseRow.snapshot).where(
                    among(uow.session, col(CaseRow.id), ids),
                    col(CaseRow.next_escalation_at) <= as_utc(now),
                )
            ).scalars()
            cases = [Case.from_json(snapshot) for snapshot in snapshots]
        for case in cases:
            case_id = case.id
            calendar = self.cases.calendars.get(case.calendar)
            deadlines = lapses.lapses(case, calendar)
            for action in lapses.due(case, calendar, now):
                key = f"lapse:{case_id}:{action}:{as_utc(deadlines[action]).isoformat()}"
                try:
                    self.cases.act(case_id, action, actor=SYSTEM, key=key)
                except OnethingError as exc:  # the case moved on meanwhile: nothing to apply
                    logger.info("sweep: %s on case %s not applied: %s", action, case_id, exc)
                    continue
                applied.append((case_id, action))
                break  # the case changed: the other deadline is judged at the next sweep
        return applied

    def _fire_batch(self, ids: list[str], now: dt.datetime, *, dry_run: bool) -> list[Fired]:
        """Fire what is due on the cases `ids` in one unit of work (run again if another
        writer got there first; left for the next sweep if they keep changing)."""

        def attempt() -> list[Fired]:
            with UnitOfWork(self.engine) as uow:
                session = uow.session
                if not dry_run and session.get_bind().dialect.name == "sqlite":
                    # SQLite's one writer: take the write lock before reading the cases
                    session.execute(update(CaseRow).where(sa.false()).values(version=0))
                rows = session.execute(
                    select(CaseRow)
                    .where(among(session, col(CaseRow.id), ids))
                    .with_for_update(skip_locked=True)  # another sweeper has the rest
                ).scalars()
                fired = self._fire_rows(session, list(rows), now, dry_run=dry_run)
                if not dry_run:
                    uow.commit()
                return fired

        def busy() -> list[Fired]:
            logger.error("sweep: cases %s kept changing; left for the next sweep", ids[:5])
            return []

        return CONTENTION.run(attempt, busy=busy)

    def _fire_rows(
        self, session: Session, rows: list[CaseRow], now: dt.datetime, *, dry_run: bool
    ) -> list[Fired]:
        """Plan every clock of the locked cases, then write the batch in a few statements."""
        ids = [row.id for row in rows]
        histories = index.histories(session, ids)
        stored = index.stored_steps(session, ids)
        names = Names(session)
        fired_all: list[Fired] = []
        escalations: list[dict[str, Any]] = []
        writes = Writes()
        steps: list[tuple[str, str, dt.datetime | None]] = []
        cases: list[tuple[str, dt.datetime | None]] = []
        for row in rows:
            case = Case.from_json(row.snapshot)
            try:
                workflow = self.cases.workflows(case.workflow_id, case.workflow_version)
                calendar = self.cases.calendars.get(case.calendar)
                past = histories.get(case.id, {})
                plans = {
                    t.key: (t, plan_firings(t, calendar, now, past.get(t.key, Past())))
                    for t in tracked_clocks(case, workflow)
                    if _indexed_due(t, row, stored, now)
                }
                due = [(t, firing) for t, found in plans.values() for firing in found.due]
                fired = [self.firing(case, workflow, calendar, t, f, now, names) for t, f in due]
            except OnethingError:
                logger.exception("sweep: case %s cannot be planned", case.id)
                continue
            fired_all += fired
            if dry_run:
                continue
            nexts = {key: found.after for key, (_, found) in plans.items()}
            steps += index.step_updates(case, nexts, stored)
            case_next = index.case_next(case, calendar, nexts, stored=row.next_escalation_at)
            made = [_row(f, t, now) for f, (t, _) in zip(fired, due, strict=True)]
            escalations += made
            if made:
                events = [_fired_event(f, e) for f, e in zip(fired, made, strict=True)]
                record_escalations(
                    writes, row, events, next_escalation_at=case_next, actor=SYSTEM, now=now
                )
            elif as_utc(row.next_escalation_at) != as_utc(case_next):
                cases.append((row.id, case_next))  # the index was early: the ladder moved
        if dry_run:
            return fired_all
        made_ids: list[int] = []
        if escalations:  # the unique (clock, level) constraint speaks here
            table = SQLModel.metadata.tables[EscalationRow.__tablename__]
            query = insert(table).returning(table.c.id, table.c.clock_key, table.c.level)
            got = {(k, lv): i for i, k, lv in session.execute(query, escalations)}
            made_ids = [got[(e["clock_key"], e["level"])] for e in escalations]
            if self.dispatcher is not None:  # sent by the round after the commit
                wanted = [(f.notice, c) for f in fired_all for c in dict.fromkeys(f.channels)]
                deliveries.queue(session, wanted, now=self.dispatcher.clock())
        writes.flush(session.connection())  # a case changed meanwhile: Stale, run again
        index.write_steps(session, steps)
        index.write_cases(session, cases)
        return [replace(f, escalation_id=i) for f, i in zip(fired_all, made_ids, strict=True)]


def _indexed_due(
    tracked: Tracked,
    row: CaseRow,
    stored: dict[tuple[str, str], dt.datetime | None],
    now: dt.datetime,
) -> bool:
    """Whether the index says this clock is due by `now` (only those are looked at)."""
    if tracked.step_id is None:
        value = as_utc(row.next_escalation_at)
    else:
        value = stored.get((tracked.case_id, tracked.step_id))
    return value is not None and value <= now


def _row(fired: Fired, tracked: Tracked, now: dt.datetime) -> dict[str, Any]:
    late = fired.late_by
    return {
        "clock_key": tracked.key,
        "case_id": fired.case_id,
        "step_id": fired.step_id,
        "attempt": tracked.attempt,
        "level": fired.level,
        "department": fired.department,
        "scheduled_at": as_utc(fired.scheduled_at),
        "fired_at": as_utc(now),
        "late_by_seconds": int(late.total_seconds()) if late is not None else None,
        "provisional": fired.notice.provisional,
        "notice_id": fired.notice.notice_id,
        "recipients": json.dumps(fired.recipients),
    }


def _fired_event(fired: Fired, row: dict[str, Any]) -> Event:
    return Event(
        "escalation.fired",
        {
            "clock": row["clock_key"],
            "step": fired.step_id,
            "attempt": row["attempt"],
            "level": fired.level,
            "kind": fired.notice.kind.value,
            "scheduled_at": fired.scheduled_at.isoformat(),
            "due": fired.notice.due_at.isoformat(),
            "late_by_seconds": row["late_by_seconds"],
            "provisional": fired.notice.provisional,
            "notice": fired.notice.notice_id,
            "recipients": [f"{d}/{r}" for d, r in fired.recipients],
        },
    )
