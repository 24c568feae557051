"""Case commands: one unit of work per command, or per batch of commands (`act_many`) — load,
call the core for each, record, commit once, then the side effects. Applications come in by
`engine.cases.submissions`.

Concurrency is optimistic: a case row carries a version; a command that finds it changed under
it reloads and runs again on the fresh state, so two officers acting at the same moment see one
action apply and the other judged against the new state (a clear conflict, never a lost write).
A batch that finds a case changed is undone and its commands run one by one. An idempotency key
makes a retried command return its first result and change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from engine.cases import automatic, machine
from engine.cases.case import SYSTEM, Actor, Case
from engine.cases.errors import Conflict, PreconditionFailed
from engine.cases.idempotency import Done, command_row, done
from engine.cases.recording import record
from engine.cases.requests import Command, Reaction
from engine.cases.run import Event
from engine.cases.submissions import Outcome, Submissions, raised
from engine.cases.tables import CaseRow, among
from engine.cases.users import as_first_allowed
from engine.cases.writes import CaseHead, Head, Writes
from engine.errors import NotFound, OnethingError
from engine.licences.library import record_case_events
from engine.retry import CONTENTION
from engine.store.unit_of_work import UnitOfWork
from engine.views.cases import CaseView, case_view


class CaseCommands(Submissions):
    """Commands on the cases of one database."""

    reaction: Reaction | None

    def act(
        self,
        case_id: str,
        action: str,
        *,
        actor: str,
        args: dict[str, Any] | None = None,
        key: str | None = None,
        revision: int | None = None,
    ) -> CaseView:
        """Run one action; retried on a concurrent change, replayed on a repeated key;
        `PreconditionFailed` if the case is no longer at `revision` (when given)."""
        command = Command(case_id, action, actor, dict(args or {}), key, revision=revision)
        return raised(self._one(command))

    def act_many(self, commands: Sequence[Command]) -> list[Outcome]:
        """Many commands in one transaction (批量办理: a window's batch, the flows' results):
        each is judged on its own, in order, exactly as `act` would judge it, and answered
        with the case's view or the error that refused it (a refused command changes
        nothing). If a case changed under the batch, the batch is undone and its commands
        run one by one, each with `act`'s retries."""
        return CONTENTION.once_or(
            lambda: self._apply(list(commands)), lambda: [self._one(c) for c in commands]
        )

    def record_incident(
        self, case_id: str, step: str, message: str, *, key: str | None = None
    ) -> CaseView:
        """Put on the case's record that an automatic step's connector kept failing (an
        incident for an operator); the step stays active and is tried again later."""
        return raised(
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

    def _one(self, command: Command) -> Outcome:
        """One command in its own transaction, run again on a concurrent change (a retry
        whose key a racing twin took answers from that twin's record)."""
        return CONTENTION.run(
            lambda: self._apply([command])[0],
            busy=lambda: Conflict(
                "the case kept changing; try again",
                case=command.case_id,
                action=command.action,
                actor=command.actor,
                state="busy",
            ),
        )

    def _apply(self, commands: list[Command]) -> list[Outcome]:
        """Run the commands in one unit of work: load their cases in one query, call the
        core for each (several on one case follow each other), write and commit once."""
        now = self.clock()
        outcomes: list[Outcome] = []
        with UnitOfWork(self.engine) as uow:
            session = uow.session
            ran = done(session, [c.key for c in commands if c.key])
            cases = SQLModel.metadata.tables[CaseRow.__tablename__]
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
            writes, changed = Writes(), 0
            for command in commands:
                if command.key and command.key in ran:
                    outcomes.append(
                        ran[command.key].answer(command.action, command.case_id, command.identity)
                    )
                    continue
                try:
                    outcome = self._run(session, writes, command, heads, loaded, now)
                except OnethingError as exc:
                    outcomes.append(exc)
                    continue
                outcomes.append(outcome)
                changed += 1
                self._after(uow, outcome)
                if command.key:
                    writes.commands.append(
                        command_row(command.key, outcome, command.action, command.identity, now)
                    )
                    ran[command.key] = Done(
                        command.key, command.case_id, command.action, outcome, command.identity
                    )
            if changed:  # Stale, IntegrityError: undone as the unit of work closes
                writes.flush(session.connection())
                uow.commit()
        return outcomes

    def _run(
        self,
        session: Session,
        writes: Writes,
        command: Command,
        heads: dict[str, CaseHead],
        loaded: dict[str, Case],
        now: dt.datetime,
    ) -> CaseView:
        """One command on the unit of work's state of its case; returns the view after."""
        case = loaded.get(command.case_id)
        if case is None:
            raise NotFound(f"no case {command.case_id!r}")
        at = heads[case.id].version
        if command.revision is not None and command.revision != at:
            raise PreconditionFailed(case.id, expected=command.revision, actual=at)
        workflow = self.workflows(case.workflow_id, case.workflow_version)
        calendar = self.calendars.get(workflow.calendar)
        args = command.args
        if command.action == "transfer" and args.get("to"):  # the core judges who receives it
            targets = self.actors(session, str(args["to"]))
            args = {**args, "to_posts": [[t.department, t.role] for t in targets]}
        core = command.core or (lambda c, ctx: machine.act(c, command.action, ctx))

        def attempt(actor: Actor) -> tuple[machine.Context, Case, list[Event]]:
            context = machine.Context(workflow, calendar, actor, now, args)
            new, events = core(case, context)
            return context, new, events

        context, new, events = as_first_allowed(self.actors(session, command.actor), attempt)
        actor = context.actor
        heads[case.id] = record(
            session,
            writes,
            heads[case.id],
            case,
            new,
            events,
            workflow=workflow,
            calendar=calendar,
            actor=actor.name,
            now=now,
            moved_only=True,
        )
        record_case_events(session, case.id, workflow.owner, events, now)
        new, heads[case.id] = self._react(session, writes, heads[case.id], new, events, context)
        loaded[case.id] = new
        return case_view(new, calendar, now, workflow=workflow)

    def _react(
        self,
        session: Session,
        writes: Writes,
        head: CaseHead,
        case: Case,
        events: list[machine.Event],
        ctx: machine.Context,
    ) -> tuple[Case, CaseHead]:
        """The engine's own move after `events` (`reaction`), recorded as the system in the
        same unit of work; the case and its head after."""
        follow = self.reaction.after(session, case, events, ctx) if self.reaction else None
        if follow is None:
            return case, head
        new, more = follow
        head = record(
            session,
            writes,
            head,
            case,
            new,
            more,
            workflow=ctx.workflow,
            calendar=ctx.calendar,
            actor=SYSTEM,
            now=ctx.now,
            moved_only=True,
        )
        record_case_events(session, case.id, ctx.workflow.owner, more, ctx.now)
        return new, head

    def record_unchanged(
        self,
        writes: Writes,
        session: Session,
        head: CaseHead,
        case: Case,
        events: list[machine.Event],
        *,
        actor: str = SYSTEM,
        now: dt.datetime,
    ) -> Head:
        """Add to a unit of work's `writes` events that leave the case's run state as it is
        (deadlines recomputed, an escalation acknowledged or ordered), with its rows and index
        refreshed; version-checked when flushed (`Stale`)."""
        return record(
            session,
            writes,
            head,
            case,
            case,
            events,
            workflow=self.workflows(case.workflow_id, case.workflow_version),
            calendar=self.calendars.get(case.calendar),
            actor=actor,
            now=now,
        )
