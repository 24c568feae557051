"""Taking in applications (收件): one unit of work per application, or per batch
(`submit_many`, the portal's queue) — check and open each case with the core, record it,
commit once, then the side effects. An idempotency key makes a retried submission return its
first result and open nothing new."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from engine.calendar import CalendarSet
from engine.cases import machine
from engine.cases.audit import GENESIS
from engine.cases.case import APPLICANT
from engine.cases.errors import Conflict
from engine.cases.idempotency import Done, command_row, done
from engine.cases.query_code import new_query_code
from engine.cases.recording import record
from engine.cases.requests import Intake
from engine.cases.users import Users
from engine.cases.writes import Head, Writes
from engine.definitions.model import Workflow
from engine.errors import OnethingError
from engine.licences.library import record_case_events
from engine.licences.sources import Sources
from engine.retry import CONTENTION
from engine.store.unit_of_work import UnitOfWork
from engine.views.cases import CaseView, case_view

WorkflowSource = Callable[[str, int | None], Workflow]
Outcome = CaseView | OnethingError


class Submissions(Users):
    """Applications taken in on the cases of one database."""

    workflows: WorkflowSource
    calendars: CalendarSet
    sources: Sources
    after_commit: Callable[[CaseView], None] | None

    def submit(
        self, workflow_id: str, application: dict[str, Any], *, key: str | None = None
    ) -> CaseView:
        """Take in an application; returns the new case's view."""
        return raised(self._submit_one(Intake(workflow_id, application, key)))

    def submit_many(self, intakes: Sequence[Intake]) -> list[Outcome]:
        """Take in many applications in one transaction (the portal's queue): each is
        answered with its new case's view, or the error that turned it away (nothing kept of
        it). A repeated key returns the first result."""
        return CONTENTION.once_or(
            lambda: self._intake(list(intakes)), lambda: [self._submit_one(i) for i in intakes]
        )

    def _after(self, uow: UnitOfWork, view: CaseView) -> None:
        """The side effect of a change (wake the case's flow run): after the commit."""
        if (effect := self.after_commit) is not None:
            uow.after_commit(lambda: effect(view))

    def _submit_one(self, intake: Intake) -> Outcome:
        return CONTENTION.run(
            lambda: self._intake([intake])[0],
            busy=lambda: Conflict(
                "the intake kept colliding; try again",
                case="(new)",
                action="submit",
                actor=APPLICANT,
                state="busy",
            ),
        )

    def _intake(self, intakes: list[Intake]) -> list[Outcome]:
        """Take in the applications in one unit of work, committed once."""
        now = self.clock()
        outcomes: list[Outcome] = []
        with UnitOfWork(self.engine) as uow:
            session = uow.session
            ran = done(session, [i.key for i in intakes if i.key])
            writes, changed = Writes(), 0
            current: dict[str, Workflow] = {}  # each workflow's current version, read once
            for intake in intakes:
                if intake.key and intake.key in ran:
                    done_before = ran[intake.key]
                    outcomes.append(
                        done_before.answer("submit", intake.workflow_id, intake.identity)
                    )
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
                        looked_up=self.sources.look_up(workflow, intake.application, now),
                        query_code=new_query_code(),
                    )
                except OnethingError as exc:
                    outcomes.append(exc)
                    continue
                head = Head(case.id, version=0, event_count=0, last_hash=GENESIS)
                record(
                    session,
                    writes,
                    head,
                    None,
                    case,
                    events,
                    workflow=workflow,
                    calendar=calendar,
                    actor=APPLICANT,
                    now=now,
                )
                record_case_events(session, case.id, workflow.owner, events, now)
                view = case_view(case, calendar, now, workflow=workflow)
                outcomes.append(view)
                changed += 1
                self._after(uow, view)
                if intake.key:
                    writes.commands.append(
                        command_row(intake.key, view, "submit", intake.identity, now)
                    )
                    ran[intake.key] = Done(intake.key, view.id, "submit", view, intake.identity)
            if changed:
                writes.flush(session.connection())  # a racing twin's key: IntegrityError
                uow.commit()
        return outcomes


def raised(outcome: Outcome) -> CaseView:
    """The view of a command that was done; the error of one refused, raised."""
    if isinstance(outcome, OnethingError):
        raise outcome
    return outcome
