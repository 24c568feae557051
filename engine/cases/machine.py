"""The case machine: every action on a case, as a pure function of (case, definition, now).

`act(case, action, ctx)` checks the actor's role and department, the case's and the step's
state, applies the move and returns the events it caused. An illegal action raises
`IllegalAction` before anything changes (the machine works on a copy the caller discards).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.calendar import StatutoryClock, WorkingCalendar
from engine.cases.case import (
    APPLICANT,
    SYSTEM,
    Actor,
    Case,
    Correction,
    MaterialState,
    MaterialStatus,
    NegativeKind,
    NegativeMatter,
    NegativeStatus,
    Notice,
    Signature,
    StepRun,
)
from engine.cases.errors import IllegalAction
from engine.cases.notices import HELP, negative_notice
from engine.cases.state import CASE_MOVES, STEP_MOVES, CaseStatus, StepStatus
from engine.definitions.model import (
    AUTOMATIC_KINDS,
    Material,
    RejectAction,
    SignMode,
    Step,
    StepKind,
    Workflow,
)

# Art. 42: a head may extend a decision by 10 working days; joint handling by 15.
STEP_EXTENSION_CAP = 10
CASE_EXTENSION_CAP = 15
REVIEW_ROLES = ("reviewer", "head")
WINDOW_KINDS = frozenset({StepKind.DELIVERY, StepKind.PUBLICATION})  # done at the window


@dataclass(frozen=True)
class Event:
    """Something that happened to a case, for the hash-chained log."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


# the arguments actions read from `Context.args`
ARGUMENTS = frozenset(
    {"step", "reason", "days", "items", "materials", "negative", "to", "legal_basis", "facts"}
    | {"comment", "kind", "result", "complete"}
)


@dataclass
class Context:
    """What an action needs besides the case: the definition, the calendar, who, when."""

    workflow: Workflow
    calendar: WorkingCalendar
    actor: Actor
    now: dt.datetime
    args: dict[str, Any] = field(default_factory=dict)


class _Run:
    """One action on a working copy of a case."""

    def __init__(self, case: Case, action: str, ctx: Context):
        self.case, self.action, self.ctx = case, action, ctx
        self.events: list[Event] = []

    # -- guards -----------------------------------------------------------------------------

    def refuse(self, reason: str, *, step: str | None = None) -> IllegalAction:
        if step is None and isinstance(self.ctx.args.get("step"), str):
            step = self.ctx.args["step"]
        state = self.case.status.value
        if step and step in self.case.steps:
            state = f"{state}, step {self.case.steps[step].status.value}"
        return IllegalAction(
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
            raise self.refuse(f"only department {department!r} may do this", step=step)
        if actor.role not in roles:
            raise self.refuse(f"only the roles {', '.join(roles)} may do this", step=step)

    def need_applicant_or_window(self) -> None:
        if self.ctx.actor.role != APPLICANT:
            self.need_role(("window",), self.ctx.workflow.owner)

    def arg(self, name: str, *, required: bool = True) -> Any:
        value = self.ctx.args.get(name)
        if required and (value is None or (isinstance(value, str) and not value.strip())):
            raise self.refuse(f"'{name}' is required")
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
        self.release_case(f"art45:{run.step_id}")
        run.clock, run.signatures, run.hold = None, [], None
        for negative in self.case.negatives:
            if negative.step_id == run.step_id and negative.status is NegativeStatus.PENDING:
                negative.status = NegativeStatus.LAPSED
                self.emit("negative.lapsed", id=negative.id)

    def notify(self, kind: str, text: str, *, step: str | None = None) -> None:
        self.case.notices.append(Notice(kind, self.ctx.now, text, step))
        self.emit("notice.issued", kind=kind, step=step, text=text)

    def hold_case(self, why: str) -> None:
        case = self.case
        if not case.holds and case.promised and case.statutory:
            case.promised = case.promised.suspend(self.ctx.now, why)
            case.statutory = case.statutory.suspend(self.ctx.now, why)
        if why not in case.holds:
            case.holds.append(why)

    def release_case(self, why: str) -> None:
        case = self.case
        if why in case.holds:
            case.holds.remove(why)
            if not case.holds and case.promised and case.statutory:
                case.promised = case.promised.resume(self.ctx.now)
                case.statutory = case.statutory.resume(self.ctx.now)

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
        self.advance()


def _new_case_steps(workflow: Workflow) -> dict[str, StepRun]:
    return {s.id: StepRun(s.id, s.department) for s in workflow.steps}


# -- intake -----------------------------------------------------------------------------------


def submit(
    *,
    case_id: str,
    workflow: Workflow,
    calendar: WorkingCalendar,
    application: dict[str, Any],
    now: dt.datetime,
) -> tuple[Case, list[Event]]:
    """Take an application in once: its fields and materials form the case's pool."""
    fields = workflow.field_values(application.get("fields", {}))
    case = Case(
        id=case_id,
        workflow_id=workflow.id,
        workflow_version=workflow.version,
        calendar=workflow.calendar,
        applicant=dict(application.get("applicant", {})),
        fields=fields,
        submitted_at=now,
        steps=_new_case_steps(workflow),
    )
    run = _Run(case, "submit", Context(workflow, calendar, Actor("applicant", APPLICANT), now))
    run.emit("case.submitted", workflow=workflow.id, version=workflow.version, fields=fields)
    _take_materials(run, application.get("materials", {}))
    _take_shared(run)
    missing = _missing(run)
    if missing:
        _request_correction(run, missing, by="intake")
    return case, run.events


def _take_materials(run: _Run, supplied: dict[str, Any]) -> None:
    case, workflow = run.case, run.ctx.workflow
    known = {m.id for m in workflow.materials}
    for material_id, reference in supplied.items():
        if material_id not in known:
            raise run.refuse(f"workflow {workflow.id!r} asks for no material {material_id!r}")
        if reference in (None, False, ""):
            continue
        status = MaterialStatus.COMMITTED if reference == "commitment" else MaterialStatus.SUPPLIED
        material = next(m for m in workflow.materials if m.id == material_id)
        if status is MaterialStatus.COMMITTED and not material.commitment:
            raise run.refuse(f"material {material_id!r} does not allow a commitment (告知承诺)")
        case.materials[material_id] = MaterialState(status, run.ctx.now, reference=str(reference))
        run.emit("material.supplied", material=material_id, status=status.value)


def _take_shared(run: _Run) -> None:
    """Materials another department holds (e.g. the business licence from market regulation)
    come from its shared data, not from the applicant again (the report's data-sharing gap)."""
    case = run.case
    for material in run.ctx.workflow.materials:
        if material.shared_from and material.id not in case.materials:
            reference = f"shared:{material.shared_from}:{material.id}"
            case.materials[material.id] = MaterialState(
                MaterialStatus.SUPPLIED, run.ctx.now, reference=reference
            )
            run.emit("material.shared", material=material.id, source=material.shared_from)


def _asked(material: Material, fields: dict[str, Any]) -> bool:
    """Whether the application must include `material` (required, and its `when` holds)."""
    return material.required and (material.when is None or material.when.holds(fields))


def _missing(run: _Run) -> list[str]:
    """Required materials not in the pool and not deferrable (those go in the one notice)."""
    case, workflow = run.case, run.ctx.workflow
    missing = []
    for material in workflow.materials:
        if not _asked(material, case.fields):
            continue
        state = case.materials.get(material.id)
        if state and state.status in (MaterialStatus.SUPPLIED, MaterialStatus.COMMITTED):
            continue
        if material.deferrable is None:
            missing.append(material.id)
    return missing


def _request_correction(run: _Run, items: list[str], *, by: str, reason: str | None = None) -> None:
    case = run.case
    titles = {m.id: m.title for m in run.ctx.workflow.materials}
    why = f"（理由：{reason}）" if reason else ""
    if case.correction is not None:  # one notice: later items join the open one
        new = [i for i in items if i not in case.correction.items]
        case.correction.items.extend(new)
        _mark_missing(run, new, titles)
        run.emit("correction.amended", items=new)
        if new:
            listed = "；".join(titles.get(i, i) for i in new)
            run.notify("correction-amended", f"补正告知（补充，并入同一补正通知）：{listed}{why}")
        return
    case.correction = Correction(list(items), run.ctx.now, by)
    _mark_missing(run, items, titles)
    for run_step in case.steps.values():
        if run_step.status is StepStatus.ACTIVE and run_step.clock:
            run_step.clock = run_step.clock.suspend(run.ctx.now, "补正 correction")
            run_step.hold = "correction"
            run.move_step(run_step, StepStatus.SUSPENDED)
            case.correction.steps.append(run_step.step_id)
    run.hold_case("correction")
    run.move_case(CaseStatus.CORRECTION)
    listed = "；".join(titles.get(i, i) for i in items)
    run.notify("correction", f"一次性告知补正材料（行政许可法第三十二条）：{listed}{why}")


def _mark_missing(run: _Run, items: list[str], titles: dict[str, str]) -> None:
    """The materials among `items` are wanted again: missing until the applicant supplies them
    (the rest of the items are explanations the notice asks for)."""
    for item in items:
        if item in titles:
            old = run.case.materials.get(item)
            run.case.materials[item] = MaterialState(
                MaterialStatus.MISSING,
                run.ctx.now,
                old.deadline if old else None,
                old.reference if old else None,
            )


# -- actions ------------------------------------------------------------------------------------


def _accept(run: _Run) -> None:
    run.need_case(CaseStatus.SUBMITTED)
    run.need_role(("window",), run.ctx.workflow.owner)
    case, workflow, now = run.case, run.ctx.workflow, run.ctx.now
    case.accepted_at = now
    case.promised = StatutoryClock(now, workflow.promised_limit)
    case.statutory = StatutoryClock(now, workflow.statutory_limit)
    promised_due = case.promised.read(run.ctx.calendar, now).due
    deferred = []
    for material in workflow.materials:
        if (
            material.deferrable
            and material.id not in case.materials
            and _asked(material, case.fields)
        ):
            due = run.ctx.calendar.due(now, material.deferrable.supply_within).at
            deadline = min(due, promised_due)  # never beyond the promised limit
            case.materials[material.id] = MaterialState(MaterialStatus.DEFERRED, now, deadline)
            run.emit("material.deferred", material=material.id, deadline=deadline.isoformat())
            deferred.append(f"{material.title}（{deadline:%Y-%m-%d}前）")
    run.move_case(CaseStatus.IN_PROGRESS)
    run.notify("acceptance", f"受理通知：{workflow.title}，承诺于{promised_due:%Y-%m-%d}前办结。")
    if deferred:
        run.notify(
            "deferral",
            "容缺受理告知：请于期限内补齐以下材料，逾期未补齐的终止办理，"
            "补齐后方可送达办理结果：" + "；".join(deferred),
        )
    run.advance()


def _register_negative(run: _Run, kind: NegativeKind, *, step: Step | None) -> NegativeMatter:
    case, actor = run.case, run.ctx.actor
    negative = NegativeMatter(
        id=f"{case.id}-N{len(case.negatives) + 1}",
        kind=kind,
        step_id=step.id if step else None,
        matter=step.matter if step else None,
        facts=run.arg("facts", required=False) or run.arg("reason"),
        reason=run.arg("reason"),
        legal_basis=run.arg("legal_basis", required=False) or "",
        officer=actor.name,
        department=step.department if step else (actor.department or run.ctx.workflow.owner),
        registered_at=run.ctx.now,
    )
    case.negatives.append(negative)
    run.notify(
        "negative-registered",
        f"您的申请存在以下问题：{negative.reason}。该意见已报分管领导审定；{HELP}",
        step=negative.step_id,
    )
    run.emit(
        "negative.registered",
        id=negative.id,
        kind=kind.value,
        step=negative.step_id,
        reason=negative.reason,
    )
    return negative


def _refuse(run: _Run) -> None:
    run.need_case(CaseStatus.SUBMITTED, CaseStatus.CORRECTION)
    run.need_role(("window", "reviewer", "head"), run.ctx.workflow.owner)
    kind = NegativeKind(run.ctx.args.get("kind") or NegativeKind.REFUSE_ACCEPTANCE)
    _register_negative(run, kind, step=None)
    run.move_case(CaseStatus.REFUSAL_PENDING)


def _signer_roles(step: Step) -> tuple[tuple[str, str], ...]:
    """(department, role) pairs allowed to sign the step."""
    if step.signers is None:
        roles = ("window", *REVIEW_ROLES) if step.kind in WINDOW_KINDS else REVIEW_ROLES
        return tuple((step.department, r) for r in roles)
    pairs = []
    for ref in step.signers.roles:
        owner, _, role = ref.rpartition("/")
        pairs.append((owner or step.department, role))
    return tuple(pairs)


def _check_signer(run: _Run, step: Step, run_step: StepRun) -> None:
    actor = run.ctx.actor
    if step.kind in AUTOMATIC_KINDS and step.signers is None:
        if actor.role != SYSTEM:
            raise run.refuse(
                "an automatic step is completed by its connector, called by the case's flow "
                "run (`onething serve` runs them)",
                step=step.id,
            )
        return
    allowed = _signer_roles(step)
    if (actor.department, actor.role) not in allowed:
        names = ", ".join(f"{d}/{r}" for d, r in allowed)
        raise run.refuse(f"only {names} may sign this step", step=step.id)
    if run_step.assignee and run_step.assignee != actor.name and actor.role != "head":
        raise run.refuse(f"the step was transferred to {run_step.assignee}", step=step.id)
    if any(s.actor == actor.name for s in run_step.signatures):
        raise run.refuse("this officer has already signed", step=step.id)
    if step.signers and step.signers.mode is SignMode.SEQUENTIAL:
        expected = allowed[len(run_step.signatures)]
        if (actor.department, actor.role) != expected:
            raise run.refuse(f"it is {expected[0]}/{expected[1]}'s turn (依次审批)", step=step.id)
    if step.signers and step.signers.mode is SignMode.ALL:
        mine = (actor.department, actor.role)
        signed = sum((s.department, s.role) == mine for s in run_step.signatures)
        if signed >= allowed.count(mine):
            raise run.refuse(f"role {actor.role} has already signed (会签)", step=step.id)


def _satisfied(step: Step, run_step: StepRun) -> bool:
    approvals = [s for s in run_step.signatures if s.decision == "approve"]
    if step.signers is None:
        return bool(approvals)
    mode = step.signers.mode
    if mode is SignMode.ANY:
        return bool(approvals)
    if mode is SignMode.QUORUM:
        return len(approvals) >= (step.signers.quorum or 1)
    return len(approvals) >= len(step.signers.roles)  # all / sequential


def _sign(run: _Run, decision: str, *, note: str, required: bool) -> tuple[StepRun, Step]:
    """Record the actor's signature on the active step named in the action, with the text of
    argument `note` (a rejection must state its reasons, Art. 38)."""
    run.need_case(CaseStatus.IN_PROGRESS)
    run_step = run.step_run()
    step = run.ctx.workflow.step(run_step.step_id)
    _check_signer(run, step, run_step)
    comment = run.arg(note, required=required) or ""
    actor = run.ctx.actor
    run_step.signatures.append(
        Signature(actor.name, actor.role, decision, run.ctx.now, comment, actor.department)
    )
    return run_step, step


def _approve(run: _Run) -> None:
    run_step, step = _sign(run, "approve", note="comment", required=False)
    if isinstance(run.ctx.args.get("result"), dict):
        run_step.result.update(run.ctx.args["result"])
    run.emit("step.signed", step=step.id, decision="approve", by=run.ctx.actor.name)
    if _satisfied(step, run_step):
        run.finish_step(run_step, step)


def _reject(run: _Run) -> None:
    run_step, step = _sign(run, "reject", note="reason", required=True)
    if run.ctx.actor.role == SYSTEM:  # an automatic check failed: no officer refuses alone
        run_step.result.update(run.ctx.args.get("result") or {})
    _register_negative(run, NegativeKind.REFUSE_LICENCE, step=step)
    run.move_step(run_step, StepStatus.REJECTION_PENDING)


def _leader_departments(run: _Run, negative: NegativeMatter) -> tuple[str, ...]:
    return tuple({negative.department, run.ctx.workflow.owner} - {""})


def _decide_negative(run: _Run, *, confirm: bool) -> None:
    negative = run.case.open_negative(run.arg("negative"))
    if negative is None or negative.status is not NegativeStatus.PENDING:
        raise run.refuse(f"no pending negative decision {run.ctx.args.get('negative')!r}")
    actor = run.ctx.actor
    if actor.role != "leader" or actor.department not in _leader_departments(run, negative):
        raise run.refuse(
            "only the responsible leader (分管领导) decides a negative matter",
            step=negative.step_id,
        )
    negative.status = NegativeStatus.CONFIRMED if confirm else NegativeStatus.OVERTURNED
    negative.decided_by, negative.decided_at = actor.name, run.ctx.now
    run.emit("negative.decided", id=negative.id, status=negative.status.value)
    if negative.step_id is None:
        if confirm:
            run.notify("refusal", negative_notice(negative))
            run.case.outcome = negative.kind.value
            run.move_case(CaseStatus.REFUSED)
        else:
            run.move_case(CaseStatus.SUBMITTED)
        return
    run_step = run.case.steps[negative.step_id]
    if not confirm:
        run.move_step(run_step, StepStatus.ACTIVE)
        run_step.signatures = [s for s in run_step.signatures if s.decision != "reject"]
        if run.ctx.workflow.step(run_step.step_id).kind in AUTOMATIC_KINDS:
            run_step.attempt += 1  # a new attempt: its connector runs again under a new key
            run.emit("step.retried", step=run_step.step_id, attempt=run_step.attempt)
        return
    _apply_rejection(run, run_step, negative)


def _apply_rejection(run: _Run, run_step: StepRun, negative: NegativeMatter) -> None:
    step = run.ctx.workflow.step(run_step.step_id)
    action = step.on_reject.action
    if action is not RejectAction.RETURN_TO:  # 退回 is internal, not a decision to appeal
        run.notify("rejection", negative_notice(negative), step=step.id)
    if action is RejectAction.END_CASE:
        run.move_step(run_step, StepStatus.REJECTED)
        run.case.outcome = f"rejected at {step.id}"
        run.move_case(CaseStatus.REJECTED)
    elif action is RejectAction.END_BRANCH:
        run.move_step(run_step, StepStatus.REJECTED)
        run.advance()
    else:
        _return_to(run, str(step.on_reject.step))


def _return_to(run: _Run, target: str) -> None:
    """退回: reopen `target` and put the steps after it back to pending. A skipped or cancelled
    target is refused: it does not apply or its branch ended, so there is nothing to redo."""
    from engine.definitions.graph import ancestors

    target_run = run.case.steps[target]
    if target_run.status in (StepStatus.SKIPPED, StepStatus.CANCELLED):
        raise run.refuse(
            f"the rejection returns to step {target!r}, which is {target_run.status}: "
            "a step that does not apply or whose branch ended cannot be reopened",
            step=target,
        )
    needs = {s.id: tuple(s.needs) for s in run.ctx.workflow.steps}
    for step in run.ctx.workflow.steps:
        if step.id != target and target in ancestors(needs, step.id):
            run.reopen(run.case.steps[step.id])
    run.activate(target_run)
    run.emit("step.returned", step=target)


def _return_for_correction(run: _Run) -> None:
    run.need_case(CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION)
    run_step = run.step_run(statuses=(StepStatus.ACTIVE, StepStatus.SUSPENDED))
    step = run.ctx.workflow.step(run_step.step_id)
    run.need_role(REVIEW_ROLES, step.department, step=step.id)
    items = run.arg("items")
    if isinstance(items, str):
        items = [i.strip() for i in items.split(",") if i.strip()]
    if not items:
        raise run.refuse("list what the applicant must supply", step=step.id)
    reason = run.ctx.args.get("reason")
    _request_correction(run, list(items), by=step.id, reason=str(reason) if reason else None)


def _supplement(run: _Run) -> None:
    run.need_case(CaseStatus.CORRECTION, CaseStatus.IN_PROGRESS, CaseStatus.SUBMITTED)
    run.need_applicant_or_window()
    supplied = run.arg("materials")
    if not isinstance(supplied, dict) or not supplied:
        raise run.refuse('name the materials supplied, e.g. {"id-card": "doc-42"}')
    case = run.case
    _take_materials(run, supplied)
    correction = case.correction
    if correction is not None:
        outstanding = [
            i
            for i in correction.items
            if i in case.materials and case.materials[i].status is MaterialStatus.MISSING
        ] + [
            i
            for i in correction.items
            if i not in case.materials and i in {m.id for m in run.ctx.workflow.materials}
        ]
        if outstanding and not run.ctx.args.get("complete"):
            run.emit("correction.partial", outstanding=outstanding)
            return
        case.correction = None
        for step_id in correction.steps:
            run_step = case.steps[step_id]
            if run_step.status is StepStatus.SUSPENDED and run_step.hold == "correction":
                assert run_step.clock is not None
                run_step.clock = run_step.clock.resume(run.ctx.now)
                run_step.hold = None
                run.move_step(run_step, StepStatus.ACTIVE)
        run.release_case("correction")
        run.move_case(CaseStatus.IN_PROGRESS if case.accepted_at else CaseStatus.SUBMITTED)
        run.emit("correction.closed")


def _suspend(run: _Run) -> None:
    run.need_case(CaseStatus.IN_PROGRESS)
    run_step = run.step_run()
    step = run.ctx.workflow.step(run_step.step_id)
    run.need_role(REVIEW_ROLES, step.department, step=step.id)
    reason = run.arg("reason")
    assert run_step.clock is not None
    run_step.clock = run_step.clock.suspend(run.ctx.now, reason)
    run_step.hold = reason
    run.move_step(run_step, StepStatus.SUSPENDED)
    run.hold_case(f"art45:{step.id}")
    run.notify(
        "suspension",
        f"书面告知（行政许可法第四十五条）：{step.title}因{reason}中止计时，"
        "所需时间不计入办理期限。",
        step=step.id,
    )


def _resume(run: _Run) -> None:
    run.need_case(CaseStatus.IN_PROGRESS)
    run_step = run.step_run(statuses=(StepStatus.SUSPENDED,))
    step = run.ctx.workflow.step(run_step.step_id)
    run.need_role(REVIEW_ROLES, step.department, step=step.id)
    if run_step.hold == "correction":
        raise run.refuse("this clock waits for the applicant's correction (补正)", step=step.id)
    assert run_step.clock is not None
    run_step.clock = run_step.clock.resume(run.ctx.now)
    run_step.hold = None
    run.move_step(run_step, StepStatus.ACTIVE)
    run.release_case(f"art45:{step.id}")


def _extend(run: _Run) -> None:
    run.need_case(CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION)
    days = run.arg("days")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise run.refuse(f"an extension is a positive whole number of working days, not {days!r}")
    reason = run.arg("reason")
    case = run.case
    if run.ctx.args.get("step"):
        run_step = run.step_run(statuses=(StepStatus.ACTIVE, StepStatus.SUSPENDED))
        step = run.ctx.workflow.step(run_step.step_id)
        run.need_role(("head",), step.department, step=step.id)
        assert run_step.clock is not None
        if run_step.clock.extended_days + days > STEP_EXTENSION_CAP:
            raise run.refuse(
                f"Art. 42 allows {STEP_EXTENSION_CAP} working days of extension; "
                f"{run_step.clock.extended_days} already granted",
                step=step.id,
            )
        run_step.clock = run_step.clock.extend(days, reason, run.ctx.now)
        where = step.title
    else:
        run.need_role(("leader",), run.ctx.workflow.owner)
        assert case.statutory is not None and case.promised is not None
        if case.statutory.extended_days + days > CASE_EXTENSION_CAP:
            raise run.refuse(
                f"joint handling may be extended by {CASE_EXTENSION_CAP} working "
                f"days (Art. 42); {case.statutory.extended_days} already granted"
            )
        case.statutory = case.statutory.extend(days, reason, run.ctx.now)
        case.promised = case.promised.extend(days, reason, run.ctx.now)
        where = run.ctx.workflow.title
    run.emit("clock.extended", step=run.ctx.args.get("step"), days=days, reason=reason)
    run.notify(
        "extension",
        f"延期告知（行政许可法第四十二条）：{where}延长{days}个工作日，理由：{reason}",
        step=run.ctx.args.get("step"),
    )


def _transfer(run: _Run) -> None:
    run.need_case(CaseStatus.IN_PROGRESS)
    run_step = run.step_run(statuses=(StepStatus.ACTIVE, StepStatus.SUSPENDED))
    step = run.ctx.workflow.step(run_step.step_id)
    run.need_role(REVIEW_ROLES, step.department, step=step.id)
    to = run.arg("to")
    if to == run.ctx.actor.name:
        raise run.refuse("a transfer hands the step to another officer", step=step.id)
    # the receiver's department and role, as the service found them (`to_department`, `to_role`)
    department, role = run.ctx.args.get("to_department"), run.ctx.args.get("to_role")
    if department and department != step.department:
        raise run.refuse(f"{to} is in {department}, not {step.department}", step=step.id)
    if role and (department or step.department, role) not in _signer_roles(step):
        raise run.refuse(f"{to} ({role}) may not sign this step", step=step.id)
    run_step.assignee = to
    run.emit("step.transferred", step=step.id, to=to)


def _withdraw(run: _Run) -> None:
    run.need_applicant_or_window()
    if run.case.status.closed:
        raise run.refuse("the case is closed")
    run.case.outcome = "withdrawn by the applicant"
    run.move_case(CaseStatus.WITHDRAWN)


def _terminate(run: _Run) -> None:
    if run.ctx.actor.role != SYSTEM:
        run.need_role(("leader",), run.ctx.workflow.owner)
    if run.case.status.closed:
        raise run.refuse("the case is closed")
    run.case.outcome = run.arg("reason")
    run.move_case(CaseStatus.TERMINATED)
    run.notify("termination", f"终止办理：{run.case.outcome}")


def _expire_deferrals(run: _Run) -> None:
    """容缺: a deferred material not supplied by its deadline terminates the case."""
    if run.ctx.actor.role != SYSTEM:
        run.need_role(("leader",), run.ctx.workflow.owner)
    late = [
        m
        for m, s in run.case.materials.items()
        if s.status is MaterialStatus.DEFERRED and s.deadline and s.deadline < run.ctx.now
    ]
    if not late or run.case.status.closed:
        raise run.refuse("no deferred material is past its deadline")
    run.ctx.args["reason"] = "容缺材料逾期未补齐：" + "、".join(late)
    run.case.outcome = run.ctx.args["reason"]
    run.move_case(CaseStatus.TERMINATED)
    run.notify("termination", f"终止办理：{run.case.outcome}")


ACTIONS: dict[str, Callable[[_Run], None]] = {
    "accept": _accept,
    "refuse": _refuse,
    "approve": _approve,
    "reject": _reject,
    "confirm-negative": lambda run: _decide_negative(run, confirm=True),
    "overturn-negative": lambda run: _decide_negative(run, confirm=False),
    "return-for-correction": _return_for_correction,
    "supplement": _supplement,
    "suspend": _suspend,
    "resume": _resume,
    "extend": _extend,
    "transfer": _transfer,
    "withdraw": _withdraw,
    "terminate": _terminate,
    "expire-deferrals": _expire_deferrals,
}


# actions on the whole case: a step named with one is a mistake, not a detail to ignore
CASE_ACTIONS = frozenset({"accept", "refuse", "supplement", "withdraw", "terminate"})


def act(case: Case, action: str, ctx: Context) -> tuple[Case, list[Event]]:
    """Apply `action` to a copy of `case`; the original is untouched if it is illegal."""
    work = case.copy()
    run = _Run(work, action, ctx)
    handler = ACTIONS.get(action)
    if handler is None:
        raise run.refuse(f"unknown action (known: {', '.join(sorted(ACTIONS))})")
    if action in CASE_ACTIONS and ctx.args.get("step"):
        raise run.refuse(f"{action} acts on the whole case: name no step (`-` on the command line)")
    if work.status.closed and action not in ("confirm-negative", "overturn-negative"):
        raise run.refuse("the case is closed")
    handler(run)
    return work, run.events
