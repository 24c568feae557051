"""The case service: one unit of work per command — load, call the core, record, commit once.

Concurrency is optimistic: a case row carries a version; a command that finds it changed under
it reloads and runs again on the fresh state, so two officers acting at the same moment see one
action apply and the other judged against the new state (a clear conflict, never a lost write).
An idempotency key makes a retried command return its first result and change nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Engine, bindparam, insert, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, SQLModel, col, select

from engine.calendar import CalendarSet, WorkingCalendar
from engine.cases import automatic, machine
from engine.cases.audit import GENESIS, Break, LoggedEvent, canonical, link_hash, verify_chain
from engine.cases.case import APPLICANT, SYSTEM, Actor, Case
from engine.cases.errors import Conflict
from engine.cases.state import OPEN_STEP
from engine.cases.tables import (
    CaseRow,
    CommandRow,
    DecisionRow,
    EventRow,
    MaterialRow,
    NegativeRow,
    StepRow,
    UserRow,
)
from engine.cases.view import case_view
from engine.definitions.model import Workflow
from engine.errors import InputError
from engine.escalation import index as escalation_index
from engine.escalation.clocks import clock_key

_TABLES = SQLModel.metadata.tables
WorkflowSource = Callable[[str, int | None], Workflow]
Core = Callable[[Case, machine.Context], tuple[Case, list[machine.Event]]]
ATTEMPTS = 8


def utc(moment: dt.datetime) -> dt.datetime:
    """UTC, the form the store keeps (SQLModel stores aware datetimes as UTC)."""
    return moment.astimezone(dt.UTC)


class CaseService:
    """Commands and queries on cases, over one database."""

    def __init__(
        self,
        engine: Engine,
        *,
        workflows: WorkflowSource,
        calendars: CalendarSet,
        clock: Callable[[], dt.datetime],
        after_commit: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.engine, self.workflows, self.calendars, self.clock = (
            engine,
            workflows,
            calendars,
            clock,
        )
        self.after_commit = after_commit  # side effects (wake a flow run): after, never inside
        self._actors: dict[str, Actor] = {}  # users are only ever added: a found one stays

    def _committed(self, view: dict[str, Any]) -> dict[str, Any]:
        if self.after_commit is not None:
            self.after_commit(view)
        return view

    # -- users ------------------------------------------------------------------------------

    def add_user(self, name: str, *, role: str, department: str | None) -> str:
        """Create an officer; returns an API token, shown once and stored only as a hash."""
        token = secrets.token_urlsafe(24)
        with Session(self.engine) as session:
            if session.get(UserRow, name):
                raise InputError(f"user {name!r} already exists")
            session.add(
                UserRow(
                    name=name,
                    role=role,
                    department=department,
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    created_at=utc(self.clock()),
                )
            )
            session.commit()
        return token

    def user_names(self) -> set[str]:
        with Session(self.engine) as session:
            return set(session.exec(select(UserRow.name)).all())

    def actor(self, session: Session, name: str) -> Actor:
        if name in (APPLICANT, SYSTEM):
            return Actor(name, name)
        if (known := self._actors.get(name)) is not None:
            return known
        users = _TABLES[UserRow.__tablename__]
        row = (
            session.connection()
            .execute(
                sa.select(users.c.name, users.c.role, users.c.department).where(
                    users.c.name == name
                )
            )
            .one_or_none()
        )
        if row is None:
            raise InputError(f"unknown user {name!r} (add one with `onething users add`)")
        self._actors[name] = Actor(row.name, row.role, row.department)
        return self._actors[name]

    # -- commands ---------------------------------------------------------------------------

    def submit(
        self, workflow_id: str, application: dict[str, Any], *, key: str | None = None
    ) -> dict[str, Any]:
        """Take in an application; returns the new case's view."""
        now = self.clock()
        with Session(self.engine) as session:
            if key and (done := _done(session, key)):
                return done
            workflow = self.workflows(workflow_id, None)
            calendar = self.calendars.get(workflow.calendar)
            case_id = f"{now:%Y%m%d}-{uuid.uuid4().hex[:10]}"
            case, events = machine.submit(
                case_id=case_id,
                workflow=workflow,
                calendar=calendar,
                application=application,
                now=now,
            )
            head = _Head(case.id, version=0, event_count=0, last_hash=GENESIS)
            try:
                self._record(
                    session, head, None, case, events, actor=APPLICANT, now=now, calendar=calendar
                )
                view = case_view(case, calendar, now)
                return self._finish(session, view, key=key, action="submit", now=now)
            except IntegrityError:  # only a racing retry with the same key collides here
                session.rollback()
                return self._replay(key)

    def act(
        self,
        case_id: str,
        action: str,
        *,
        actor: str,
        args: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Run one action; retried on a concurrent change, replayed on a repeated key."""
        return self._command(
            case_id,
            action,
            actor,
            dict(args or {}),
            key,
            lambda c, ctx: machine.act(c, action, ctx),
        )

    def record_incident(
        self, case_id: str, step: str, message: str, *, key: str | None = None
    ) -> dict[str, Any]:
        """Put on the case's record that an automatic step's connector kept failing (an
        incident for an operator); the step stays active and is tried again later."""
        return self._command(
            case_id,
            "report-incident",
            SYSTEM,
            {"step": step},
            key,
            lambda c, ctx: (c, automatic.incident(c, step, message, now=ctx.now)),
        )

    def _command(
        self,
        case_id: str,
        action: str,
        actor: str,
        args: dict[str, Any],
        key: str | None,
        core: Core,
    ) -> dict[str, Any]:
        for _ in range(ATTEMPTS):
            try:
                return self._act_once(case_id, action, actor, args, key, core)
            except _Stale:
                continue
            except OperationalError as exc:  # SQLite: a writer held the lock past the timeout
                if "locked" not in str(exc):
                    raise
        raise Conflict(
            "the case kept changing; try again",
            case=case_id,
            action=action,
            actor=actor,
            state="busy",
        )

    def _act_once(
        self,
        case_id: str,
        action: str,
        actor_name: str,
        args: dict[str, Any],
        key: str | None,
        core: Core,
    ) -> dict[str, Any]:
        now = self.clock()
        with Session(self.engine) as session:
            if key and (done := _done(session, key)):
                return done
            cases = _TABLES[CaseRow.__tablename__]
            row = (
                session.connection()
                .execute(
                    sa.select(
                        cases.c.id,
                        cases.c.snapshot,
                        cases.c.version,
                        cases.c.event_count,
                        cases.c.last_hash,
                        cases.c.escalated,
                    ).where(cases.c.id == case_id)
                )
                .one_or_none()
            )
            if row is None:
                raise InputError(f"no case {case_id!r}")
            case = Case.from_json(row.snapshot)
            workflow = self.workflows(case.workflow_id, case.workflow_version)
            calendar = self.calendars.get(workflow.calendar)
            actor = self.actor(session, actor_name)
            context = machine.Context(workflow, calendar, actor, now, args)
            new, events = core(case, context)
            try:
                self._record(
                    session,
                    row,
                    case,
                    new,
                    events,
                    actor=actor.name,
                    now=now,
                    calendar=calendar,
                    moved_only=True,
                )
                view = case_view(new, calendar, now)
                return self._finish(session, view, key=key, action=action, now=now)
            except IntegrityError:  # a racing command took the key, or the case moved on
                session.rollback()
                if key and _done(session, key):
                    return self._replay(key)
                raise _Stale() from None

    def _finish(
        self,
        session: Session,
        view: dict[str, Any],
        *,
        key: str | None,
        action: str,
        now: dt.datetime,
    ) -> dict[str, Any]:
        """Commit the unit of work, with the command's first result under its key (a racing
        retry with the same key collides on it: `IntegrityError`, for the caller to replay)."""
        if key:
            session.connection().execute(
                sa.insert(_TABLES[CommandRow.__tablename__]),
                {
                    "key": key,
                    "case_id": view["id"],
                    "action": action,
                    "result": canonical(view),
                    "at": utc(now),
                },
            )
        session.commit()
        return self._committed(view)

    def _replay(self, key: str | None) -> dict[str, Any]:
        with Session(self.engine) as session:
            done = _done(session, key) if key else None
            if done is None:
                raise _Stale()
            return done

    def _record(
        self,
        session: Session,
        row: CaseHead,
        old: Case | None,
        new: Case,
        events: list[machine.Event],
        *,
        actor: str,
        now: dt.datetime,
        calendar: WorkingCalendar,
        moved_only: bool = False,
    ) -> None:
        """Write the snapshot (version-checked), the query rows and the chained events, in
        a few statements on the session's connection (no ORM unit of work on this path).
        `moved_only`: the command changed the run state, so only the step rows of steps it
        moved need writing (else every row is refreshed: the calendar or the ladder moved)."""
        links, seq, prev = _chain(row, new.id, events, actor=actor, now=now)
        promised = new.promised.read(calendar, now).due if new.promised else None
        workflow = self.workflows(new.workflow_id, new.workflow_version)
        past = escalation_index.history(session, new.id) if row.escalated else {}
        nexts = escalation_index.planned(new, workflow, calendar, now, past)
        values = {
            "status": new.status.value,
            "snapshot": new.to_json().decode(),
            "version": row.version + 1,
            "event_count": seq,
            "last_hash": prev,
            "updated_at": utc(now),
            "promised_due_at": utc(promised) if promised else None,
            "next_escalation_at": nexts.get(clock_key(new.id, None)),
        }
        connection = session.connection()
        cases = _TABLES[CaseRow.__tablename__]
        if old is None:
            connection.execute(
                sa.insert(cases),
                {
                    **values,
                    "id": new.id,
                    "workflow_id": new.workflow_id,
                    "workflow_version": new.workflow_version,
                    "submitted_at": utc(new.submitted_at),
                    "escalated": False,
                },
            )
        else:  # the version check comes first: a stale command writes nothing at all
            result = connection.execute(
                sa.update(cases)
                .where(cases.c.id == new.id, cases.c.version == row.version)
                .values(**values)
            )
            if result.rowcount != 1:
                session.rollback()
                raise _Stale()
        if links:
            connection.execute(sa.insert(_TABLES[EventRow.__tablename__]), links)
        self._sync_rows(connection, old, new, calendar, now, nexts, moved_only=moved_only)

    def recompute_deadlines(self) -> list[dict[str, Any]]:
        """Re-read every open case's clocks on the calendars as loaded now (a provisional year
        became official, a regional day was added) and record each deadline that moved as a
        case event; the step rows and the escalation index follow. Returns what moved."""
        from engine.store import as_utc

        now = self.clock()
        moved: list[dict[str, Any]] = []
        with Session(self.engine) as session:
            stored = {
                (c, s): as_utc(d)
                for c, s, d in session.execute(
                    select(StepRow.case_id, StepRow.step_id, StepRow.due_at).where(
                        col(StepRow.is_open) == True  # noqa: E712
                    )
                )
                if d is not None
            }
            open_ids = sorted({case_id for case_id, _ in stored})
            for row in session.exec(select(CaseRow).where(col(CaseRow.id).in_(open_ids))):
                case = Case.from_json(row.snapshot)
                calendar = self.calendars.get(case.calendar)
                changes = []
                for step_id, run in case.steps.items():
                    if run.clock is None or run.status not in OPEN_STEP:
                        continue
                    reading = run.clock.read(calendar, now)
                    before = stored.get((case.id, step_id))
                    if before is not None and before != utc(reading.due):
                        changes.append(
                            {
                                "step": step_id,
                                "old_due": before.isoformat(),
                                "new_due": reading.due.isoformat(),
                                "provisional": reading.provisional,
                            }
                        )
                if changes:
                    event = machine.Event("deadlines.recomputed", {"changes": changes})
                    self._record(
                        session, row, case, case, [event], actor=SYSTEM, now=now, calendar=calendar
                    )
                    moved += [{"case": case.id, **change} for change in changes]
            session.commit()
        return moved

    def record_events(
        self,
        session: Session,
        row: CaseRow,
        case: Case,
        events: list[machine.Event],
        *,
        actor: str,
        now: dt.datetime,
    ) -> None:
        """Append events that leave the run state as it is (escalations fired, acknowledged,
        ordered) to the case's hash chain, version-checked like any write; the caller commits.
        Raises `Conflict` if the case changed since `row` was read."""
        calendar = self.calendars.get(case.calendar)
        try:
            self._record(session, row, case, case, events, actor=actor, now=now, calendar=calendar)
        except _Stale:
            raise Conflict(
                "the case changed meanwhile; read it again",
                case=case.id,
                action="record",
                actor=actor,
                state="stale",
            ) from None

    def append_events(
        self,
        session: Session,
        entries: list[tuple[CaseRow, list[machine.Event], dict[str, Any]]],
        *,
        actor: str,
        now: dt.datetime,
    ) -> None:
        """Append events that leave the run state as it is to many cases at once (the sweep's
        batch), with `values` for each case row; version-checked: raises `Conflict` if any
        case changed since its row was read. The caller holds the rows' locks and commits."""
        chained, expected, params = [], {}, []
        names = sorted(entries[0][2]) if entries else []
        for row, events, values in entries:
            rows, seq, prev = _chain(row, row.id, events, actor=actor, now=now)
            chained += rows
            expected[row.id] = row.version + 1
            params.append(
                {
                    "b_id": row.id,
                    "b_version": row.version,
                    "b_new_version": row.version + 1,
                    "b_count": seq,
                    "b_hash": prev,
                    **{f"b_{name}": values[name] for name in names},
                }
            )
        if not entries:
            return
        table = SQLModel.metadata.tables[CaseRow.__tablename__]
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values(
                version=bindparam("b_new_version"),
                event_count=bindparam("b_count"),
                last_hash=bindparam("b_hash"),
                updated_at=utc(now),
                **{name: bindparam(f"b_{name}") for name in names},
            ),
            params,
        )
        session.execute(insert(SQLModel.metadata.tables[EventRow.__tablename__]), chained)
        found = dict(
            session.execute(
                select(CaseRow.id, CaseRow.version).where(
                    escalation_index.among(session, col(CaseRow.id), list(expected))
                )
            ).all()
        )
        if found != expected:
            session.rollback()
            stale = sorted(k for k in expected if found.get(k) != expected[k])
            raise Conflict(
                "cases changed meanwhile; read them again",
                case=", ".join(stale[:3]),
                action="record",
                actor=actor,
                state="stale",
            )

    def _sync_rows(
        self,
        connection: sa.Connection,
        old: Case | None,
        new: Case,
        calendar: WorkingCalendar,
        now: dt.datetime,
        nexts: dict[str, dt.datetime | None],
        *,
        moved_only: bool,
    ) -> None:
        """Bring the query rows in line with the snapshot: the step rows (one bulk update by
        primary key, with their next escalation times), new signatures, changed materials and
        negative matters. A suspended step's due time runs on with the calendar: its row is
        always written."""
        step_inserts, step_updates, decisions = [], [], []
        for step_id, run in new.steps.items():
            before = old.steps.get(step_id) if old else None
            if moved_only and before == run and not (run.clock and run.clock.suspended):
                continue
            due = None
            if run.clock is not None and run.status in OPEN_STEP:
                due = utc(run.clock.read(calendar, now).due)
            values: dict[str, Any] = {
                "department": run.department,
                "status": run.status.value,
                "is_open": run.status in OPEN_STEP,
                "attempt": run.attempt,
                "due_at": due,
                "suspended": run.clock.suspended if run.clock else False,
                "next_escalation_at": nexts.get(clock_key(new.id, step_id, run.attempt)),
            }
            if before is None:
                step_inserts.append({"case_id": new.id, "step_id": step_id, **values})
            else:
                step_updates.append({"b_case_id": new.id, "b_step_id": step_id, **values})
            known = len(before.signatures) if before and before.attempt == run.attempt else 0
            decisions += [
                {
                    "case_id": new.id,
                    "step_id": step_id,
                    "attempt": run.attempt,
                    "actor": signature.actor,
                    "role": signature.role,
                    "decision": signature.decision,
                    "at": utc(signature.at),
                    "comment": signature.comment,
                }
                for signature in run.signatures[known:]
            ]
        _upsert(connection, StepRow, ("case_id", "step_id"), step_inserts, step_updates)
        if decisions:
            connection.execute(sa.insert(_TABLES[DecisionRow.__tablename__]), decisions)
        material_inserts, material_updates = [], []
        for material_id, state in new.materials.items():
            earlier = old.materials.get(material_id) if old else None
            if earlier == state:
                continue
            material: dict[str, Any] = {
                "status": state.status.value,
                "reference": state.reference,
                "deadline": utc(state.deadline) if state.deadline else None,
            }
            if earlier is None:
                material_inserts.append({"case_id": new.id, "material_id": material_id, **material})
            else:
                material_updates.append(
                    {"b_case_id": new.id, "b_material_id": material_id, **material}
                )
        _upsert(
            connection, MaterialRow, ("case_id", "material_id"), material_inserts, material_updates
        )
        old_negatives = {n.id: n for n in old.negatives} if old else {}
        negative_inserts, negative_updates = [], []
        for negative in new.negatives:
            earlier_negative = old_negatives.get(negative.id)
            if earlier_negative == negative:
                continue
            entry = {
                "case_id": new.id,
                "step_id": negative.step_id,
                "kind": negative.kind.value,
                "status": negative.status.value,
                "matter": negative.matter,
                "facts": negative.facts,
                "reason": negative.reason,
                "legal_basis": negative.legal_basis,
                "officer": negative.officer,
                "department": negative.department,
                "registered_at": utc(negative.registered_at),
                "decided_by": negative.decided_by,
                "decided_at": utc(negative.decided_at) if negative.decided_at else None,
            }
            if earlier_negative is None:
                negative_inserts.append({"id": negative.id, **entry})
            else:
                negative_updates.append({"b_id": negative.id, **entry})
        _upsert(connection, NegativeRow, ("id",), negative_inserts, negative_updates)

    # -- queries ----------------------------------------------------------------------------

    def load(self, case_id: str) -> Case:
        with Session(self.engine) as session:
            row = session.get(CaseRow, case_id)
            if row is None:
                raise InputError(f"no case {case_id!r}")
            return Case.from_json(row.snapshot)

    def show(self, case_id: str) -> dict[str, Any]:
        case = self.load(case_id)
        return case_view(case, self.calendars.get(case.calendar), self.clock())

    def list_cases(
        self,
        *,
        status: str | None = None,
        department: str | None = None,
        overdue: bool = False,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """Cases by status; with `department`, those with an open step there; `overdue`:
        an open step past its due time (read through the (is_open, due_at) index)."""
        now = self.clock()
        query = select(CaseRow.id, CaseRow.workflow_id, CaseRow.status, CaseRow.submitted_at)
        if status:
            query = query.where(CaseRow.status == status)
        if department or overdue:
            steps = select(StepRow.case_id).where(col(StepRow.is_open) == True)  # noqa: E712
            if department:
                steps = steps.where(StepRow.department == department)
            if overdue:
                steps = steps.where(col(StepRow.due_at) < utc(now))
            query = query.where(col(CaseRow.id).in_(steps))
        query = query.order_by(col(CaseRow.submitted_at)).limit(limit)
        with Session(self.engine) as session:
            return [
                {"id": r[0], "workflow": r[1], "status": r[2], "submitted_at": r[3].isoformat()}
                for r in session.execute(query)
            ]

    def overdue_query(self, *, limit: int = 1000) -> Any:
        """Open steps past due, oldest first — a range scan of the (is_open, due_at) index."""
        return (
            select(StepRow.case_id, StepRow.step_id, StepRow.due_at)
            .where(col(StepRow.is_open) == True, col(StepRow.due_at) < utc(self.clock()))  # noqa: E712
            .order_by(col(StepRow.due_at))
            .limit(limit)
        )

    def overdue_steps(self, *, limit: int = 1000) -> list[tuple[str, str, dt.datetime]]:
        """Open steps past due, oldest first: (case, step, due in UTC)."""
        with Session(self.engine) as session:
            return [(r[0], r[1], r[2]) for r in session.execute(self.overdue_query(limit=limit))]

    def timeline(self, case_id: str) -> list[dict[str, Any]]:
        self.load(case_id)
        with Session(self.engine) as session:
            rows = session.execute(
                select(EventRow).where(EventRow.case_id == case_id).order_by(col(EventRow.seq))
            ).scalars()
            return [
                {
                    "seq": r.seq,
                    "at": r.at,
                    "actor": r.actor,
                    "kind": r.kind,
                    "data": json.loads(r.data),
                }
                for r in rows
            ]

    def negatives(self, *, status: str | None = None) -> list[dict[str, Any]]:
        query = select(NegativeRow).order_by(col(NegativeRow.registered_at))
        if status:
            query = query.where(NegativeRow.status == status)
        with Session(self.engine) as session:
            return [r.model_dump(mode="json") for r in session.execute(query).scalars()]

    def verify(self, case_id: str | None = None) -> list[Break]:
        """Check the hash chain of one case or of all; the first break of each broken case."""
        with Session(self.engine) as session:
            ids = [case_id] if case_id else list(session.execute(select(CaseRow.id)).scalars())
            breaks = []
            for one in ids:
                rows = session.execute(
                    select(EventRow).where(EventRow.case_id == one).order_by(col(EventRow.seq))
                ).scalars()
                found = verify_chain(
                    LoggedEvent(
                        r.case_id, r.seq, r.kind, r.actor, r.at, r.data, r.prev_hash, r.hash
                    )
                    for r in rows
                )
                if found:
                    breaks.append(found)
            return breaks


def _chain(
    row: CaseHead, case_id: str, events: list[machine.Event], *, actor: str, now: dt.datetime
) -> tuple[list[dict[str, Any]], int, str]:
    """The events as event-row values linked onto the case's hash chain; with the new count
    and head of the chain."""
    at = now.isoformat()
    seq, prev = row.event_count, row.last_hash
    chained = []
    for event in events:
        seq += 1
        data = canonical(event.data)
        digest = link_hash(
            prev, case_id=case_id, seq=seq, kind=event.kind, actor=actor, at=at, data=data
        )
        chained.append(
            {
                "case_id": case_id,
                "seq": seq,
                "kind": event.kind,
                "actor": actor,
                "at": at,
                "data": data,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return chained, seq, prev


def _upsert(
    connection: sa.Connection,
    model: type[SQLModel],
    key: tuple[str, ...],
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
) -> None:
    """Insert the new rows and update the known ones (by primary key, parameters `b_<key>`),
    each kind in one statement."""
    table = _TABLES[str(model.__tablename__)]
    if inserts:
        connection.execute(sa.insert(table), inserts)
    if updates:
        where = [table.c[name] == sa.bindparam(f"b_{name}") for name in key]
        connection.execute(sa.update(table).where(*where), updates)


def _done(session: Session, key: str) -> dict[str, Any] | None:
    """The first result of the command under `key`, if it ran."""
    commands = _TABLES[CommandRow.__tablename__]
    result = (
        session.connection()
        .execute(sa.select(commands.c.result).where(commands.c.key == key))
        .scalar_one_or_none()
    )
    return dict(json.loads(result)) if result is not None else None


class CaseHead(Protocol):
    """What a write needs of the case row it replaces: the version and the chain's head."""

    @property
    def id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def event_count(self) -> int: ...
    @property
    def last_hash(self) -> str: ...
    @property
    def escalated(self) -> bool: ...


@dataclass(frozen=True)
class _Head:
    """The head of a case not yet stored."""

    id: str
    version: int
    event_count: int
    last_hash: str
    escalated: bool = False


class _Stale(Exception):
    """The case changed under a command: load it again and retry."""
