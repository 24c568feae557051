"""The case service: one unit of work per command, or per batch of commands (`act_many`,
`submit_many`) — load, call the core for each, record, commit once.

Concurrency is optimistic: a case row carries a version; a command that finds it changed under
it reloads and runs again on the fresh state, so two officers acting at the same moment see one
action apply and the other judged against the new state (a clear conflict, never a lost write).
A batch that finds a case changed is undone and its commands run one by one. An idempotency key
makes a retried command return its first result and change nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, SQLModel, col, select

from engine.calendar import CalendarSet
from engine.cases import automatic, machine
from engine.cases.audit import GENESIS, Break, LoggedEvent, canonical, verify_chain
from engine.cases.case import APPLICANT, SYSTEM, Actor, Case, NegativeStatus
from engine.cases.errors import Conflict
from engine.cases.state import OPEN_STEP, CaseStatus
from engine.cases.tables import (
    CaseRow,
    CommandRow,
    EventRow,
    NegativeRow,
    StepRow,
    UserRow,
    among,
)
from engine.cases.view import case_view
from engine.cases.writes import CaseHead, Head, Stale, Writes, steps_to_write
from engine.clock import as_utc
from engine.definitions.model import Workflow
from engine.errors import InputError, OnethingError
from engine.escalation import index as escalation_index
from engine.escalation.firings import clock_key

_TABLES = SQLModel.metadata.tables
WorkflowSource = Callable[[str, int | None], Workflow]
Core = Callable[[Case, machine.Context], tuple[Case, list[machine.Event]]]
ATTEMPTS = 8
_Item = TypeVar("_Item")


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
                    created_at=as_utc(self.clock()),
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
        return _raised(self._submit_one(Intake(workflow_id, application, key)))

    def submit_many(self, intakes: Sequence[Intake]) -> list[dict[str, Any] | OnethingError]:
        """Take in many applications in one transaction (the portal's queue): each is
        answered with its new case's view, or the error that turned it away (nothing kept of
        it). A repeated key returns the first result."""
        return _batch_or_each(lambda: self._intake(list(intakes)), intakes, self._submit_one)

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
        return _raised(self._one(Command(case_id, action, actor, dict(args or {}), key)))

    def act_many(self, commands: Sequence[Command]) -> list[dict[str, Any] | OnethingError]:
        """Many commands in one transaction (批量办理: a window's batch, the flows' results):
        each is judged on its own, in order, exactly as `act` would judge it, and answered
        with the case's view or the error that refused it (a refused command changes
        nothing). If a case changed under the batch, the batch is undone and its commands
        run one by one, each with `act`'s retries."""
        return _batch_or_each(lambda: self._apply(list(commands)), commands, self._one)

    def record_incident(
        self, case_id: str, step: str, message: str, *, key: str | None = None
    ) -> dict[str, Any]:
        """Put on the case's record that an automatic step's connector kept failing (an
        incident for an operator); the step stays active and is tried again later."""
        return _raised(
            self._one(
                Command(
                    case_id,
                    "report-incident",
                    SYSTEM,
                    {"step": step},
                    key,
                    core=lambda c, ctx: (c, automatic.incident(c, step, message, now=ctx.now)),
                )
            )
        )

    def _one(self, command: Command) -> dict[str, Any] | OnethingError:
        """One command in its own transaction, run again on a concurrent change (a retry
        whose key a racing twin took answers from that twin's record)."""
        return _retried(
            lambda: self._apply([command])[0],
            Conflict(
                "the case kept changing; try again",
                case=command.case_id,
                action=command.action,
                actor=command.actor,
                state="busy",
            ),
        )

    def _submit_one(self, intake: Intake) -> dict[str, Any] | OnethingError:
        return _retried(
            lambda: self._intake([intake])[0],
            Conflict(
                "the intake kept colliding; try again",
                case="(new)",
                action="submit",
                actor=APPLICANT,
                state="busy",
            ),
        )

    def _intake(self, intakes: list[Intake]) -> list[dict[str, Any] | OnethingError]:
        """Take in the applications in one unit of work, committed once."""
        now = self.clock()
        outcomes: list[dict[str, Any] | OnethingError] = []
        views: list[dict[str, Any]] = []
        with Session(self.engine) as session:
            done = _done(session, [i.key for i in intakes if i.key])
            writes = Writes()
            current: dict[str, Workflow] = {}  # each workflow's current version, read once
            for intake in intakes:
                if intake.key and intake.key in done:
                    outcomes.append(done[intake.key].answer("submit", intake.workflow_id))
                    continue
                try:
                    if intake.workflow_id not in current:
                        current[intake.workflow_id] = self.workflows(intake.workflow_id, None)
                    workflow = current[intake.workflow_id]
                    calendar = self.calendars.get(workflow.calendar)
                    case, events = machine.submit(
                        case_id=f"{now:%Y%m%d}-{uuid.uuid4().hex[:10]}",
                        workflow=workflow,
                        calendar=calendar,
                        application=intake.application,
                        now=now,
                    )
                except OnethingError as exc:
                    outcomes.append(exc)
                    continue
                head = Head(case.id, version=0, event_count=0, last_hash=GENESIS)
                self._record(session, writes, head, None, case, events, actor=APPLICANT, now=now)
                view = case_view(case, calendar, now)
                outcomes.append(view)
                views.append(view)
                if intake.key:
                    writes.commands.append(_command_row(intake.key, view, "submit", now))
                    done[intake.key] = _Done(intake.key, view["id"], "submit", view)
            if views:
                writes.flush(session.connection())  # a racing twin's key: IntegrityError
                session.commit()
        for view in views:
            self._committed(view)
        return outcomes

    def _apply(self, commands: list[Command]) -> list[dict[str, Any] | OnethingError]:
        """Run the commands in one unit of work: load their cases in one query, call the
        core for each (several on one case follow each other), write and commit once."""
        now = self.clock()
        outcomes: list[dict[str, Any] | OnethingError] = []
        with Session(self.engine) as session:
            done = _done(session, [c.key for c in commands if c.key])
            cases = _TABLES[CaseRow.__tablename__]
            ids = sorted({c.case_id for c in commands})
            heads: dict[str, CaseHead] = {}
            loaded: dict[str, Case] = {}
            for row in session.connection().execute(
                sa.select(
                    cases.c.id,
                    cases.c.snapshot,
                    cases.c.version,
                    cases.c.event_count,
                    cases.c.last_hash,
                    cases.c.escalated,
                    cases.c.next_escalation_at,
                ).where(among(session, cases.c.id, ids))
            ):
                heads[row.id], loaded[row.id] = row, Case.from_json(row.snapshot)
            writes, views = Writes(), []
            for command in commands:
                if command.key and command.key in done:
                    outcomes.append(done[command.key].answer(command.action, command.case_id))
                    continue
                try:
                    outcome = self._run(session, writes, command, heads, loaded, now)
                except OnethingError as exc:
                    outcomes.append(exc)
                    continue
                outcomes.append(outcome)
                views.append(outcome)
                if command.key:
                    writes.commands.append(_command_row(command.key, outcome, command.action, now))
                    done[command.key] = _Done(command.key, command.case_id, command.action, outcome)
            if views:  # Stale, IntegrityError: undone as the session closes
                writes.flush(session.connection())
                session.commit()
        for view in views:
            self._committed(view)
        return outcomes

    def _run(
        self,
        session: Session,
        writes: Writes,
        command: Command,
        heads: dict[str, CaseHead],
        loaded: dict[str, Case],
        now: dt.datetime,
    ) -> dict[str, Any]:
        """One command on the unit of work's state of its case; returns the view after."""
        case = loaded.get(command.case_id)
        if case is None:
            raise InputError(f"no case {command.case_id!r}")
        workflow = self.workflows(case.workflow_id, case.workflow_version)
        calendar = self.calendars.get(workflow.calendar)
        actor = self.actor(session, command.actor)
        args = command.args
        if command.action == "transfer" and args.get("to"):  # the core judges who receives it
            target = self.actor(session, str(args["to"]))
            args = {**args, "to_department": target.department, "to_role": target.role}
        context = machine.Context(workflow, calendar, actor, now, args)
        core = command.core or (lambda c, ctx: machine.act(c, command.action, ctx))
        new, events = core(case, context)
        heads[case.id] = self._record(
            session,
            writes,
            heads[case.id],
            case,
            new,
            events,
            actor=actor.name,
            now=now,
            moved_only=True,
        )
        loaded[case.id] = new
        return case_view(new, calendar, now)

    def _record(
        self,
        session: Session,
        writes: Writes,
        head: CaseHead,
        old: Case | None,
        new: Case,
        events: list[machine.Event],
        *,
        actor: str,
        now: dt.datetime,
        moved_only: bool = False,
    ) -> Head:
        """Add to `writes` the snapshot (version-checked), the query rows and the chained
        events; returns the case row's head after. `moved_only`: the command changed the run
        state, so only the step rows of the steps it moved are written (else every row is
        refreshed: the calendar or the ladder moved)."""
        calendar = self.calendars.get(new.calendar)
        promised = new.promised.read(calendar, now).due if new.promised else None
        workflow = self.workflows(new.workflow_id, new.workflow_version)
        past = escalation_index.history(session, new.id) if head.escalated else {}
        steps = steps_to_write(old, new, moved_only=moved_only)
        # the case clock's ladder moves only with the promised clock or the case's status
        case_clock = not (
            moved_only and old and old.promised == new.promised and old.status is new.status
        )
        nexts = escalation_index.planned(
            new, workflow, calendar, now, past, steps=steps, case_clock=case_clock
        )
        case_key = clock_key(new.id, None)
        row: dict[str, Any] = {
            "status": new.status.value,
            "snapshot": new.to_json().decode(),
            "promised_due_at": as_utc(promised),
            "next_escalation_at": (
                nexts[case_key] if case_clock else as_utc(head.next_escalation_at)
            ),
        }
        if old is None:
            row |= {
                "workflow_id": new.workflow_id,
                "workflow_version": new.workflow_version,
                "submitted_at": as_utc(new.submitted_at),
                "escalated": False,
            }
        after = writes.case(head, events, row, actor=actor, now=now, new=old is None)
        writes.query_rows(old, new, calendar, now, nexts, steps=steps)
        return after

    def recompute_deadlines(self) -> list[dict[str, Any]]:
        """Re-read every open case's clocks on the calendars as loaded now (a provisional year
        became official, a regional day was added) and record each deadline that moved as a
        case event; the step rows and the escalation index follow. Returns what moved."""
        now = self.clock()
        moved: list[dict[str, Any]] = []
        writes = Writes()
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
                    if before is not None and before != as_utc(reading.due):
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
                    self._record(session, writes, row, case, case, [event], actor=SYSTEM, now=now)
                    moved += [{"case": case.id, **change} for change in changes]
            writes.flush(session.connection())
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
        """Append events that leave the run state as it is (escalations acknowledged,
        ordered) to the case's hash chain, version-checked like any write, with the step rows
        and the escalation index refreshed; the caller commits. Raises `Conflict` if the case
        changed since `row` was read."""
        writes = Writes()
        self._record(session, writes, row, case, case, events, actor=actor, now=now)
        _flush_unchanged(session, writes, [case.id], actor=actor)

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
        writes = Writes()
        for row, events, values in entries:
            writes.case(row, events, values, actor=actor, now=now)
        _flush_unchanged(session, writes, [row.id for row, _, _ in entries], actor=actor)

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
        _known("status", status, [s.value for s in CaseStatus])
        query = select(CaseRow.id, CaseRow.workflow_id, CaseRow.status, CaseRow.submitted_at)
        if status:
            query = query.where(CaseRow.status == status)
        if department or overdue:
            steps = select(StepRow.case_id).where(col(StepRow.is_open) == True)  # noqa: E712
            if department:
                steps = steps.where(StepRow.department == department)
            if overdue:
                steps = steps.where(col(StepRow.due_at) < as_utc(now))
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
            .where(col(StepRow.is_open) == True, col(StepRow.due_at) < as_utc(self.clock()))  # noqa: E712
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
        _known("status", status, [s.value for s in NegativeStatus])
        query = select(NegativeRow).order_by(col(NegativeRow.registered_at))
        if status:
            query = query.where(NegativeRow.status == status)
        with Session(self.engine) as session:
            return [r.model_dump(mode="json") for r in session.execute(query).scalars()]

    def verify(self, case_id: str | None = None) -> list[Break]:
        """Check the hash chain of one case or of all; the first break of each broken case."""
        with Session(self.engine) as session:
            if case_id and session.get(CaseRow, case_id) is None:
                raise InputError(f"no case {case_id!r}")
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


@dataclass(frozen=True)
class _Done:
    """A command that ran under an idempotency key: what it was, and its first result."""

    key: str
    case_id: str
    action: str
    result: dict[str, Any]

    def answer(self, action: str, target: str) -> dict[str, Any] | OnethingError:
        """The first result for a retry of the same command (`target`: its case, or for a
        submit its workflow); an error for another command reusing the key."""
        same = target == (self.result["workflow"] if action == "submit" else self.case_id)
        if action == self.action and same:
            return self.result
        return InputError(
            f"idempotency key {self.key!r} was already used for {self.action} on case "
            f"{self.case_id}: a different command needs a new key"
        )


def _done(session: Session, keys: list[str]) -> dict[str, _Done]:
    """The commands under `keys` that ran."""
    if not keys:
        return {}
    commands = _TABLES[CommandRow.__tablename__]
    rows = session.connection().execute(
        sa.select(commands.c.key, commands.c.case_id, commands.c.action, commands.c.result).where(
            among(session, commands.c.key, keys)
        )
    )
    return {r.key: _Done(r.key, r.case_id, r.action, dict(json.loads(r.result))) for r in rows}


@dataclass(frozen=True)
class Intake:
    """One application for `submit_many`."""

    workflow_id: str
    application: dict[str, Any]
    key: str | None = None


@dataclass(frozen=True)
class Command:
    """One command for `act_many`: an action on a case by an actor (`core` replaces the
    machine's action, for the service's own records)."""

    case_id: str
    action: str
    actor: str
    args: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    core: Core | None = None


def _command_row(key: str, view: dict[str, Any], action: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "key": key,
        "case_id": view["id"],
        "action": action,
        "result": canonical(view),
        "at": as_utc(now),
    }


def _flush_unchanged(session: Session, writes: Writes, ids: list[str], *, actor: str) -> None:
    """Send a caller's writes (the caller commits); `Conflict` if a case changed meanwhile."""
    try:
        writes.flush(session.connection())
    except Stale:
        session.rollback()
        raise Conflict(
            "the case changed meanwhile; read it again",
            case=", ".join(sorted(ids)[:3]),
            action="record",
            actor=actor,
            state="stale",
        ) from None


def _retried(
    attempt: Callable[[], dict[str, Any] | OnethingError], busy: Conflict
) -> dict[str, Any] | OnethingError:
    """`attempt` again while a concurrent change undoes it (`busy` after the last try)."""
    for _ in range(ATTEMPTS):
        try:
            return attempt()
        except (Stale, IntegrityError, OperationalError) as exc:
            if not _undone(exc):
                raise
    return busy


def _batch_or_each(
    batch: Callable[[], list[dict[str, Any] | OnethingError]],
    items: Sequence[_Item],
    each: Callable[[_Item], dict[str, Any] | OnethingError],
) -> list[dict[str, Any] | OnethingError]:
    """The items in one unit of work; if a concurrent change undid it, one by one."""
    try:
        return batch()
    except (Stale, IntegrityError, OperationalError) as exc:
        if not _undone(exc):
            raise
    return [each(item) for item in items]


def _undone(exc: Exception) -> bool:
    """Whether a concurrent change undid the unit of work (so it may run again): a case moved
    (`Stale`), a racing twin took a key (`IntegrityError`), or, on SQLite, a writer held the
    lock past the timeout."""
    return isinstance(exc, Stale | IntegrityError) or "locked" in str(exc)


def _known(what: str, value: str | None, known: list[str]) -> None:
    """A filter's value must be one there can be (a typo would list nothing, silently)."""
    if value is not None and value not in known:
        raise InputError(f"unknown {what} {value!r} (known: {', '.join(known)})")


def _raised(outcome: dict[str, Any] | OnethingError) -> dict[str, Any]:
    if isinstance(outcome, OnethingError):
        raise outcome
    return outcome
