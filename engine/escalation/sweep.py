"""The supervision sweep (电子监察): fire what is due, once per clock and level, then notify.

One sweep reads the due clocks through the `next_escalation_at` index, locks their cases
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two sweepers share the work instead of repeating
it; SQLite has a single writer), records each level as an `escalations` row (unique per clock
and level) and as a case event in the hash chain, commits, and only then hands the notices to
the dispatcher: a failed notification never blocks or rolls back an escalation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, SQLModel, col, select

from engine.calendar import WorkingCalendar
from engine.cases.case import SYSTEM, Actor, Case
from engine.cases.errors import Conflict, IllegalAction
from engine.cases.machine import Event
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow, EscalationRow, StepRow, UserRow, among
from engine.clock import as_utc
from engine.definitions.catalogue import Catalogue
from engine.definitions.escalation import Level
from engine.definitions.model import Workflow
from engine.errors import InputError, OnethingError
from engine.escalation import index, notices
from engine.escalation.firings import Firing, Past, Tracked, clock_key, plan_firings, tracked_clocks
from engine.notify.channels import ChannelConfig
from engine.notify.dispatch import DeliveryResult, Dispatcher
from engine.notify.notice import Notice

logger = logging.getLogger("onething.escalation")

SUPERVISORS = ("supervisor", "leader")  # who may order a step finished by a date (督办)
ATTEMPTS = 5
Change = tuple[EscalationRow, Event]  # the row a supervisor changed, and the case event


@dataclass(frozen=True)
class Fired:
    """One level fired by a sweep (or, in a forecast, one that would fire)."""

    case_id: str
    step_id: str | None
    level: str
    scheduled_at: dt.datetime
    department: str
    recipients: tuple[notices.Role, ...]
    notice: Notice
    channels: tuple[ChannelConfig, ...]
    escalation_id: int | None = None
    deliveries: tuple[DeliveryResult, ...] = ()

    @property
    def late_by(self) -> dt.timedelta | None:
        return self.notice.late_by

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.escalation_id,
            "case": self.case_id,
            "step": self.step_id,
            "level": self.level,
            "kind": self.notice.kind.value,
            "scheduled_at": self.scheduled_at.isoformat(),
            "due": self.notice.due_at.isoformat(),
            "late_by_seconds": (
                int(self.late_by.total_seconds()) if self.late_by is not None else None
            ),
            "provisional": self.notice.provisional,
            "recipients": [f"{d}/{r}" for d, r in self.recipients],
            "delivered": [
                {"channel": d.channel.value, "target": d.target, "status": d.status}
                for d in self.deliveries
            ],
        }


@dataclass
class SweepReport:
    at: dt.datetime
    dry_run: bool
    fired: list[Fired] = field(default_factory=list)
    cases: int = 0  # cases looked at

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "cases": self.cases,
            "fired": [f.to_dict() for f in self.fired],
        }


class Supervision:
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

    @property
    def engine(self) -> Engine:
        return self.cases.engine

    # -- the sweep --------------------------------------------------------------------------

    def sweep(
        self,
        *,
        at: dt.datetime | None = None,
        dry_run: bool = False,
        cases: Collection[str] | None = None,
    ) -> SweepReport:
        """Fire every level due by `at` (default: now); `dry_run` only says what would fire.
        `cases`: only on those cases (None: every case of the database), so that a sweep as of
        another moment (the demo's) leaves everybody else's cases alone."""
        now = at or self.cases.clock()
        report = SweepReport(at=now, dry_run=dry_run)
        only = None if cases is None else list(dict.fromkeys(cases))
        seen: set[str] = set()
        while True:
            with Session(self.engine) as session:
                ids = self._due_cases(session, now, exclude=seen, only=only)
            if not ids:
                break
            seen.update(ids)
            report.cases += len(ids)
            fired = self._fire_batch(ids, now, dry_run=dry_run)
            if not dry_run:
                fired = [self._deliver(f) for f in fired]
            report.fired += fired
        return report

    def _due_cases(
        self,
        session: Session,
        now: dt.datetime,
        *,
        exclude: set[str],
        only: list[str] | None = None,
    ) -> list[str]:
        """Cases with a clock due by `now`, oldest first, read through the two indexes; of
        `only` if given, never of `exclude`."""
        moment = as_utc(now)
        wanted = None if only is None else [c for c in only if c not in exclude]
        if wanted == []:
            return []
        found: dict[str, None] = {}
        for column, owner in (
            (StepRow.next_escalation_at, StepRow.case_id),
            (CaseRow.next_escalation_at, CaseRow.id),
        ):
            query = select(owner).where(col(column) <= moment).order_by(col(column))
            if wanted is not None:
                query = query.where(among(session, col(owner), wanted))
            elif exclude:
                query = query.where(col(owner).not_in(exclude))
            for case_id in session.execute(query.limit(self.batch)).scalars():
                found[case_id] = None
        return list(found)[: self.batch]

    def _fire_batch(self, ids: list[str], now: dt.datetime, *, dry_run: bool) -> list[Fired]:
        for _ in range(ATTEMPTS):
            try:
                with Session(self.engine) as session:
                    if not dry_run and session.get_bind().dialect.name == "sqlite":
                        # SQLite's one writer: take the write lock before reading the cases
                        session.execute(update(CaseRow).where(sa.false()).values(version=0))
                    rows = session.execute(
                        select(CaseRow)
                        .where(among(session, col(CaseRow.id), ids))
                        .with_for_update(skip_locked=True)  # another sweeper has the rest
                    ).scalars()
                    fired = self._fire_rows(session, list(rows), now, dry_run=dry_run)
                    if dry_run:
                        session.rollback()
                    else:
                        session.commit()
                    return fired
            except (Conflict, IntegrityError):  # another writer got there first: read again
                continue
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
        logger.error("sweep: cases %s kept changing; left for the next sweep", ids[:5])
        return []

    def _fire_rows(
        self, session: Session, rows: list[CaseRow], now: dt.datetime, *, dry_run: bool
    ) -> list[Fired]:
        """Plan every clock of the locked cases, then write the batch in a few statements."""
        ids = [row.id for row in rows]
        histories = index.histories(session, ids)
        stored = index.stored_steps(session, ids)
        names = _Names(session)
        fired_all: list[Fired] = []
        escalations: list[dict[str, Any]] = []
        entries: list[tuple[CaseRow, list[Event], dict[str, Any]]] = []
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
                fired = [self._firing(case, workflow, calendar, t, f, now, names) for t, f in due]
            except OnethingError:
                logger.exception("sweep: case %s cannot be planned", case.id)
                continue
            fired_all += fired
            if dry_run:
                continue
            nexts = {key: found.after for key, (_, found) in plans.items()}
            steps += index.step_updates(case, nexts, stored)
            case_key = clock_key(case.id, None)
            case_next = nexts[case_key] if case_key in nexts else as_utc(row.next_escalation_at)
            made = [_row(f, t, now) for f, (t, _) in zip(fired, due, strict=True)]
            escalations += made
            if made:
                events = [_fired_event(f, e) for f, e in zip(fired, made, strict=True)]
                entries.append(
                    (row, events, {"next_escalation_at": as_utc(case_next), "escalated": True})
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
        self.cases.append_events(session, entries, actor=SYSTEM, now=now)
        index.write_steps(session, steps)
        index.write_cases(session, cases)
        return [replace(f, escalation_id=i) for f, i in zip(fired_all, made_ids, strict=True)]

    def _firing(
        self,
        case: Case,
        workflow: Workflow,
        calendar: WorkingCalendar,
        tracked: Tracked,
        firing: Firing,
        now: dt.datetime,
        names: _Names,
    ) -> Fired:
        roles = notices.recipients(self.catalogue, tracked.department, firing.notify)
        # Late (补发) only past `late_after` from when the level fell due, which is never before
        # its clock started (`ladder.fires_at`): a level due at an out-of-hours acceptance
        # fired by the next sweep is on time.
        lateness = now - firing.scheduled_at
        notice = notices.build(
            _subject(case, workflow, tracked),
            notice_id=f"{tracked.key}:{firing.level}",
            kind=notices.notice_kind(firing.level, publication=tracked.publication),
            reading=tracked.clock.read(calendar, now),
            catalogue=self.catalogue,
            told=notices.people(self.catalogue, roles, names),
            late_by=lateness if lateness > self.late_after else None,
        )
        return Fired(
            case_id=case.id,
            step_id=tracked.step_id,
            level=firing.level,
            scheduled_at=firing.scheduled_at,
            department=tracked.department,
            recipients=roles,
            notice=notice,
            channels=tuple(notices.channels(self.catalogue, roles)),
        )

    def _deliver(self, fired: Fired) -> Fired:
        """After the commit: send, and never let a failure reach the escalation."""
        if self.dispatcher is None or not fired.channels:
            return fired
        try:
            with Session(self.engine) as session:
                results = self.dispatcher.dispatch(session, fired.notice, fired.channels)
        except Exception:  # the dispatcher does not raise; a bug there must not stop the sweep
            logger.exception("notice %s: not dispatched", fired.notice.notice_id)
            return fired
        return replace(fired, deliveries=tuple(results))

    # -- supervisors ------------------------------------------------------------------------

    def escalations(
        self, *, case_id: str | None = None, open_only: bool = False, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Fired levels, newest first; `open_only`: not yet acknowledged."""
        query = select(EscalationRow).order_by(col(EscalationRow.fired_at).desc())
        if case_id:
            query = query.where(EscalationRow.case_id == case_id)
        if open_only:
            query = query.where(col(EscalationRow.acknowledged_at).is_(None))
        with Session(self.engine) as session:
            return [_view(r) for r in session.execute(query.limit(limit)).scalars()]

    def acknowledge(self, escalation_id: int, *, actor: str) -> dict[str, Any]:
        """A recipient (or a supervisor) has seen the level: recorded on the case (签收)."""

        def change(session: Session, esc: EscalationRow, who: Actor, now: dt.datetime) -> Change:
            if (who.department, who.role) not in _told(esc) and who.role != "supervisor":
                raise _refuse(esc, who, "ack", "only those told of it, or a supervisor, may")
            esc.acknowledged_by, esc.acknowledged_at = who.name, as_utc(now)
            return esc, Event("escalation.acknowledged", {"escalation": esc.id, "level": esc.level})

        done = self._supervise(escalation_id, actor, change, skip=lambda e: bool(e.acknowledged_at))
        return done[0]

    def order(
        self, escalation_id: int, *, actor: str, due: dt.datetime | dt.date
    ) -> dict[str, Any]:
        """督办: order the clock's step finished by `due` (a date: its close of business);
        accountability fires if that passes too. The order is told to the department."""
        sent: list[Fired] = []

        def change(session: Session, esc: EscalationRow, who: Actor, now: dt.datetime) -> Change:
            if who.role not in SUPERVISORS:
                raise _refuse(esc, who, "order", f"only the roles {', '.join(SUPERVISORS)} may")
            case = self.cases.load(esc.case_id)
            workflow = self.cases.workflows(case.workflow_id, case.workflow_version)
            calendar = self.cases.calendars.get(case.calendar)
            tracked = {t.key: t for t in tracked_clocks(case, workflow)}.get(esc.clock_key)
            if tracked is None or tracked.clock.suspended:
                raise _refuse(esc, who, "order", "its clock is no longer running")
            moment = _close(calendar, due)
            if moment <= now:
                raise _refuse(esc, who, "order", f"the date {moment:%Y-%m-%d} has passed")
            order = session.execute(
                select(EscalationRow).where(
                    EscalationRow.clock_key == esc.clock_key, EscalationRow.level == "order"
                )
            ).scalar_one_or_none()
            notice_id = f"{esc.clock_key}:order@{moment.isoformat()}"
            roles = _told(esc)
            if order is None:
                order = EscalationRow(
                    clock_key=esc.clock_key,
                    case_id=esc.case_id,
                    step_id=esc.step_id,
                    attempt=esc.attempt,
                    level=Level.ORDER.value,
                    department=esc.department,
                    scheduled_at=as_utc(now),
                    fired_at=as_utc(now),
                    notice_id=notice_id,
                    recipients=json.dumps(roles),
                )
                session.add(order)
            order.order_due, order.ordered_by = as_utc(moment), who.name
            firing = Firing(Level.ORDER.value, now, tuple(f"{d}/{r}" for d, r in roles))
            fired = self._firing(case, workflow, calendar, tracked, firing, now, _Names(session))
            notice = replace(
                fired.notice,
                notice_id=notice_id,
                due_at=moment,
                remaining=notices.until(calendar, now, moment),
                overdue=None,
                late_by=None,
            )
            sent.append(replace(fired, notice=notice))
            return order, Event(
                "escalation.ordered",
                {"clock": esc.clock_key, "step": esc.step_id, "due": moment.isoformat()},
            )

        view, committed = self._supervise(escalation_id, actor, change)
        if committed:
            view["delivered"] = [d for f in sent for d in self._deliver(f).to_dict()["delivered"]]
        return view

    def _supervise(
        self,
        escalation_id: int,
        actor: str,
        change: Callable[[Session, EscalationRow, Actor, dt.datetime], Change],
        skip: Callable[[EscalationRow], bool] = lambda _: False,
    ) -> tuple[dict[str, Any], bool]:
        for _ in range(ATTEMPTS):
            now = self.cases.clock()
            with Session(self.engine) as session:
                esc = session.get(EscalationRow, escalation_id)
                if esc is None:
                    raise InputError(f"no escalation {escalation_id}")
                if skip(esc):
                    return _view(esc), False
                who = self.cases.actor(session, actor)
                row = session.get(CaseRow, esc.case_id)
                assert row is not None
                case = Case.from_json(row.snapshot)
                target, event = change(session, esc, who, now)
                try:
                    self.cases.record_events(session, row, case, [event], actor=who.name, now=now)
                    session.commit()
                except (Conflict, IntegrityError):
                    continue
                session.refresh(target)
                return _view(target), True
        raise Conflict(
            "the case kept changing; try again",
            case=str(escalation_id),
            action="supervise",
            actor=actor,
            state="busy",
        )


class _Names:
    """The officers holding a role, read once per role within one transaction."""

    def __init__(self, session: Session):
        self.session = session
        self.known: dict[tuple[str, str], list[str]] = {}

    def __call__(self, department: str, role: str) -> Sequence[str]:
        key = (department, role)
        if key not in self.known:
            query = select(UserRow.name).where(
                UserRow.department == department, UserRow.role == role
            )
            self.known[key] = list(self.session.execute(query.order_by(UserRow.name)).scalars())
        return self.known[key]


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


def _subject(case: Case, workflow: Workflow, tracked: Tracked) -> notices.Subject:
    step = workflow.step(tracked.step_id) if tracked.step_id else None
    return notices.Subject(
        case_id=case.id,
        workflow_title=workflow.title,
        department=tracked.department,
        step_id=tracked.step_id,
        step_title=step.title if step else None,
    )


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


def _told(esc: EscalationRow) -> list[notices.Role]:
    return [(d, r) for d, r in json.loads(esc.recipients)]


def _refuse(esc: EscalationRow, who: Actor, action: str, reason: str) -> IllegalAction:
    return IllegalAction(
        reason,
        case=esc.case_id,
        action=f"{action} escalation {esc.id}",
        actor=str(who),
        state=f"{esc.level}" + (" acknowledged" if esc.acknowledged_at else ""),
        step=esc.step_id,
    )


def _close(calendar: WorkingCalendar, due: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(due, dt.datetime):
        return calendar.local(due)
    return calendar.close_of_business(calendar.next_working_day(due))


def _view(row: EscalationRow) -> dict[str, Any]:
    def moment(value: dt.datetime | None) -> str | None:
        found = as_utc(value)
        return found.isoformat() if found else None

    return {
        "id": row.id,
        "case": row.case_id,
        "step": row.step_id,
        "attempt": row.attempt,
        "level": row.level,
        "department": row.department,
        "scheduled_at": moment(row.scheduled_at),
        "fired_at": moment(row.fired_at),
        "late_by_seconds": row.late_by_seconds,
        "provisional": row.provisional,
        "notice": row.notice_id,
        "recipients": [f"{d}/{r}" for d, r in _told(row)],
        "acknowledged_by": row.acknowledged_by,
        "acknowledged_at": moment(row.acknowledged_at),
        "order_due": moment(row.order_due),
        "ordered_by": row.ordered_by,
    }
