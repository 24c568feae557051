"""What every action works on: the context it is given, the events it returns, and `Run`, one
action on a working copy of a case with the guards and the moves through the state tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine.calendar import StatutoryClock, WorkingCalendar
from engine.cases.case import (
    APPLICANT,
    Actor,
    ApplicantNotice,
    Case,
    MaterialStatus,
    NegativeStatus,
    StepRun,
)
from engine.cases.errors import IllegalAction, MissingArgument, NotPermitted
from engine.cases.state import CASE_MOVES, STEP_MOVES, CaseStatus, StepStatus
from engine.definitions.model import AUTOMATIC_KINDS, Step, StepKind, Workflow

REVIEW_ROLES = ("reviewer", "head")


@dataclass(frozen=True)
class Event:
    """Something that happened to a case, for the hash-chained log."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What an action needs besides the case: the definition, the calendar, who, when."""

    workflow: Workflow
    calendar: WorkingCalendar
    actor: Actor
    now: dt.datetime
    args: dict[str, Any] = field(default_factory=dict)


class Run:
    """One action on a working copy of a case."""

    def __init__(self, case: Case, action: str, ctx: Context):
        self.case, self.action, self.ctx = case, action, ctx
        self.events: list[Event] = []

    # -- guards -----------------------------------------------------------------------------

    def refuse(
        self,
        reason: str,
        *,
        step: str | None = None,
        who: bool = False,
        kind: type[IllegalAction] = IllegalAction,
    ) -> IllegalAction:
        """The error for an action the rules refuse now (`who`: for the actor's role or
        department, not for the state of the case; `kind`: a narrower refusal)."""
        if step is None and isinstance(self.ctx.args.get("step"), str):
            step = self.ctx.args["step"]
        state = self.case.status.value
        if step and step in self.case.steps:
            state = f"{state}, step {self.case.steps[step].status.value}"
        return (NotPermitted if who else kind)(
            reason,
            case=self.case.id,
            action=self.action,
            actor=str(self.ctx.actor),
            state=state,
            step=step,
        )

    def need_case(self, *allowed: CaseStatus) -> None:
        if self.case.status not in allowed:
            wanted = " or ".join(s.value for s in allowed)
            raise self.refuse(f"the case must be {wanted}")

    def need_role(
        self, roles: tuple[str, ...], department: str, *, step: str | None = None
    ) -> None:
        actor = self.ctx.actor
        if actor.department != department:
            raise self.refuse(f"only department {department!r} may do this", step=step, who=True)
        if actor.role not in roles:
            raise self.refuse(f"only the roles {', '.join(roles)} may do this", step=step, who=True)

    def need_applicant_or_window(self) -> None:
        if self.ctx.actor.role != APPLICANT:
            self.need_role(("window",), self.ctx.workflow.owner)

    def arg(self, name: str, *, required: bool = True) -> Any:
        value = self.ctx.args.get(name)
        if required and (value is None or (isinstance(value, str) and not value.strip())):
            raise self.refuse(f"'{name}' is required", kind=MissingArgument)
        return value

    def step_run(self, *, statuses: tuple[StepStatus, ...] = (StepStatus.ACTIVE,)) -> StepRun:
        step_id = self.arg("step")
        if step_id not in self.case.steps:
            raise self.refuse(f"workflow {self.case.workflow_id!r} has no step {step_id!r}")
        run = self.case.steps[step_id]
        if run.status not in statuses:
            wanted = " or ".join(s.value for s in statuses)
            raise self.refuse(f"the step must be {wanted}", step=step_id)
        return run

    # -- moves ------------------------------------------------------------------------------

    def emit(self, kind: str, /, **data: Any) -> None:
        self.events.append(Event(kind, data))

    def move_case(self, status: CaseStatus) -> None:
        if status not in CASE_MOVES[self.case.status]:
            raise self.refuse(f"a case cannot go from {self.case.status} to {status}")
        self.emit("case.status", old=self.case.status.value, new=status.value)
        self.case.status = status
        if status.closed:
            self.case.closed_at = self.ctx.now
            for run in self.case.steps.values():
                if not run.status.finished:
                    self.move_step(run, StepStatus.CANCELLED)
            for negative in self.case.negatives:
                if negative.status is NegativeStatus.PENDING:
                    negative.status = NegativeStatus.LAPSED
                    self.emit("negative.lapsed", id=negative.id)

    def move_step(self, run: StepRun, status: StepStatus) -> None:
        if status not in STEP_MOVES[run.status]:
            raise self.refuse(f"a step cannot go from {run.status} to {status}", step=run.step_id)
        self.emit("step.status", step=run.step_id, old=run.status.value, new=status.value)
        run.status = status
        run.finished_at = self.ctx.now if status.finished else None

    def reopen(self, run: StepRun) -> None:
        """退回: put a step after a return-to's target back to pending, its clock, signatures and
        holds gone and a negative it awaited lapsed; an outcome (rejected, skipped, cancelled)
        stays as it is."""
        if StepStatus.PENDING not in STEP_MOVES[run.status]:
            return
        self.move_step(run, StepStatus.PENDING)
        run.clock, run.signatures, run.hold = None, [], None
        for negative in self.case.negatives:
            if negative.step_id == run.step_id and negative.status is NegativeStatus.PENDING:
                negative.status = NegativeStatus.LAPSED
                self.emit("negative.lapsed", id=negative.id)

    def notify(self, kind: str, text: str, *, step: str | None = None) -> None:
        self.case.notices.append(ApplicantNotice(kind, self.ctx.now, text, step))
        self.emit("notice.issued", kind=kind, step=step, text=text)

    def activate(self, run: StepRun) -> None:
        step = self.ctx.workflow.step(run.step_id)
        self.move_step(run, StepStatus.ACTIVE)
        run.attempt += 1
        run.activated_at = self.ctx.now
        run.signatures = []
        run.result = {}
        run.clock = StatutoryClock(self.ctx.now, step.limit_for(self.case.fields))
        due = run.clock.read(self.ctx.calendar, self.ctx.now)
        self.emit(
            "step.activated",
            step=run.step_id,
            attempt=run.attempt,
            due=due.due.isoformat(),
            provisional=due.provisional,
            automatic=step.kind in AUTOMATIC_KINDS,
        )

    def advance(self) -> None:
        """Activate every step whose needs are done; skip what does not apply; close the case."""
        workflow, case = self.ctx.workflow, self.case
        changed = True
        while changed:
            changed = False
            for step in workflow.steps:
                run = case.steps[step.id]
                if run.status is not StepStatus.PENDING:
                    continue
                needs = [case.steps[n].status for n in step.needs]
                if any(not s.finished for s in needs):
                    continue
                changed = True
                ended = (StepStatus.REJECTED, StepStatus.CANCELLED)
                if needs and all(s in ended for s in needs):  # every branch it needs ended
                    self.move_step(run, StepStatus.CANCELLED)
                elif step.applies(case.fields):
                    self.activate(run)
                else:
                    self.move_step(run, StepStatus.SKIPPED)
        if case.status is CaseStatus.IN_PROGRESS and all(
            r.status.finished for r in case.steps.values()
        ):
            delivered = any(
                case.steps[s.id].status is StepStatus.APPROVED
                for s in workflow.steps
                if s.kind is StepKind.DELIVERY
            )
            # A delivery that can no longer happen (its branch ended) means a refusal; a path
            # with no delivery at all (a filing 备案) completes without one.
            lost = any(
                case.steps[s.id].status is StepStatus.CANCELLED
                for s in workflow.steps
                if s.kind is StepKind.DELIVERY
            )
            case.outcome = "delivered" if delivered else ("nothing to deliver" if lost else "done")
            self.move_case(CaseStatus.REJECTED if lost and not delivered else CaseStatus.COMPLETED)

    def finish_step(self, run: StepRun, step: Step) -> None:
        if step.kind is StepKind.DELIVERY:
            waiting = [
                m for m, s in self.case.materials.items() if s.status is MaterialStatus.DEFERRED
            ]
            if waiting:
                raise self.refuse(
                    "delivery waits for the deferred materials (容缺后补): " + ", ".join(waiting),
                    step=run.step_id,
                )
        self.move_step(run, StepStatus.APPROVED)
        if step.produces and step.matter:
            self.issue_certificate(run, step)
        self.advance()

    def issue_certificate(self, run: StepRun, step: Step) -> None:
        """A decision that produces a licence puts its certificate into the licence library
        (电子证照库): the event the service records it from, in the same unit of work."""
        applicant = self.case.applicant
        holder = next(
            (
                str(applicant[k])
                for k in ("credit_code", "id_number", "passport_number")
                if applicant.get(k)
            ),
            None,
        )
        result = run.result
        document = str(self.ctx.args.get("document") or f"{self.case.id}-{step.id}")
        self.emit(
            "certificate.issued",
            type=step.matter,
            number=str(result.get("certificate_number") or f"{step.matter}-{self.case.id}"),
            holder=holder,
            holder_name=applicant.get("name"),
            valid_from=self.ctx.now.isoformat(),
            valid_to=result.get("valid_to"),
            department=step.department,
            step=step.id,
            document=document,
        )
