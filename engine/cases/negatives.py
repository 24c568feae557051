"""Negative decisions (否定事项报备): an officer registers a refusal, the responsible leader
confirms or overturns it; a confirmed rejection ends the case, its branch, or returns (退回).
"""

from __future__ import annotations

import datetime as dt

from engine.calendar import StatutoryClock
from engine.cases.case import NegativeKind, NegativeMatter, NegativeStatus, StepRun
from engine.cases.notices import HELP, negative_notice
from engine.cases.run import Run
from engine.cases.state import CaseStatus, StepStatus
from engine.definitions.graph import ancestors
from engine.definitions.model import AUTOMATIC_KINDS, RejectAction, Step, Workflow


def decision_clocks(
    workflow: Workflow, *, department: str, registered_at: dt.datetime
) -> tuple[StatutoryClock, StatutoryClock] | None:
    """The leader's clocks of a negative matter registered in `department`: the promise (the
    same day where possible) and the limit (about 5 working days), from the registration, as
    departments.yaml sets them (None where it sets none). They run while the matter is pending."""
    policy = workflow.negative_decision(department)
    if policy is None:
        return None
    start = registered_at
    return StatutoryClock(start, policy.promised), StatutoryClock(start, policy.limit)


def register_negative(
    run: Run,
    kind: NegativeKind,
    *,
    step: Step | None,
    stated: tuple[str, str] | None = None,
) -> NegativeMatter:
    """Register a negative matter with the officer's reason and legal basis (the action's
    arguments), or the definition's (`stated`: reason, legal basis)."""
    case, actor = run.case, run.ctx.actor
    reason, basis = stated or (run.arg("reason"), run.arg("legal_basis", required=False) or "")
    negative = NegativeMatter(
        id=f"{case.id}-N{len(case.negatives) + 1}",
        kind=kind,
        step_id=step.id if step else None,
        matter=step.matter if step else None,
        facts=(None if stated else run.arg("facts", required=False)) or reason,
        reason=reason,
        legal_basis=basis,
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


def refuse(run: Run) -> None:
    run.need_case(CaseStatus.SUBMITTED, CaseStatus.CORRECTION)
    run.need_role(("window", "reviewer", "head"), run.ctx.workflow.owner)
    kind = NegativeKind(run.ctx.args.get("kind") or NegativeKind.REFUSE_ACCEPTANCE)
    register_negative(run, kind, step=None)
    run.move_case(CaseStatus.REFUSAL_PENDING)


def _leader_departments(run: Run, negative: NegativeMatter) -> tuple[str, ...]:
    return tuple({negative.department, run.ctx.workflow.owner} - {""})


def decide_negative(run: Run, *, confirm: bool) -> None:
    negative = run.case.open_negative(run.arg("negative"))
    if negative is None or negative.status is not NegativeStatus.PENDING:
        raise run.refuse(f"no pending negative decision {run.ctx.args.get('negative')!r}")
    actor = run.ctx.actor
    if actor.role != "leader" or actor.department not in _leader_departments(run, negative):
        raise run.refuse(
            "only the responsible leader (分管领导) decides a negative matter",
            step=negative.step_id,
            who=True,
        )
    # an overturn sets the officer's finding aside: the leader says why, on the record
    why = run.arg("reason", required=not confirm) or ""
    negative.status = NegativeStatus.CONFIRMED if confirm else NegativeStatus.OVERTURNED
    negative.decided_by, negative.decided_at = actor.name, run.ctx.now
    negative.decision_reason = str(why)
    run.emit("negative.decided", id=negative.id, status=negative.status.value, reason=why)
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


def _apply_rejection(run: Run, run_step: StepRun, negative: NegativeMatter) -> None:
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


def _return_to(run: Run, target: str) -> None:
    """退回: reopen `target` and put the steps after it back to pending. A skipped or cancelled
    target is refused: it does not apply or its branch ended, so there is nothing to redo."""
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
