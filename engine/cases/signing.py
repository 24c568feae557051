"""Signing a step (审批): who may sign, in which order, when the step is done; rejecting it
(reported to the leader) and handing it to another officer (转办).
"""

from __future__ import annotations

from engine.cases.case import SYSTEM, NegativeKind, Signature, StepRun
from engine.cases.errors import Transferred
from engine.cases.negatives import register_negative
from engine.cases.run import REVIEW_ROLES, Run
from engine.cases.state import CaseStatus, StepStatus
from engine.definitions.model import AUTOMATIC_KINDS, SignMode, Step, StepKind

WINDOW_KINDS = frozenset({StepKind.DELIVERY, StepKind.PUBLICATION})  # done at the window


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


def _check_signer(run: Run, step: Step, run_step: StepRun) -> None:
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
        raise run.refuse(f"only {names} may sign this step", step=step.id, who=True)
    if run_step.assignee and run_step.assignee != actor.name and actor.role != "head":
        raise run.refuse(
            f"the step was transferred to {run_step.assignee}", step=step.id, kind=Transferred
        )
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


def _sign(run: Run, decision: str, *, note: str, required: bool) -> tuple[StepRun, Step]:
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


def approve(run: Run) -> None:
    step_id = str(run.ctx.args.get("step"))
    if step_id in run.case.steps and run.ctx.workflow.step(step_id).draw is not None:
        raise run.refuse(
            "an inspection with a draw is done when every drawn examiner has recorded "
            "findings (onething draw finding)",
            step=step_id,
        )
    run_step, step = _sign(run, "approve", note="comment", required=False)
    if isinstance(run.ctx.args.get("result"), dict):
        run_step.result.update(run.ctx.args["result"])
    run.emit("step.signed", step=step.id, decision="approve", by=run.ctx.actor.name)
    if _satisfied(step, run_step):
        run.finish_step(run_step, step)


def reject(run: Run) -> None:
    run_step, step = _sign(run, "reject", note="reason", required=True)
    if run.ctx.actor.role == SYSTEM:  # an automatic check failed: no officer refuses alone
        run_step.result.update(run.ctx.args.get("result") or {})
    register_negative(run, NegativeKind.REFUSE_LICENCE, step=step)
    run.move_step(run_step, StepStatus.REJECTION_PENDING)


def transfer(run: Run) -> None:
    run.need_case(CaseStatus.IN_PROGRESS)
    run_step = run.step_run(statuses=(StepStatus.ACTIVE, StepStatus.SUSPENDED))
    step = run.ctx.workflow.step(run_step.step_id)
    run.need_role(REVIEW_ROLES, step.department, step=step.id)
    to = run.arg("to")
    if to == run.ctx.actor.name:
        raise run.refuse("a transfer hands the step to another officer", step=step.id)
    # the receiver's departments and roles, as the service found them (`to_posts`)
    posts = [(d, r) for d, r in run.ctx.args.get("to_posts") or []]
    if posts and all(d != step.department for d, _ in posts):
        where = ", ".join(sorted({str(d) for d, _ in posts}))
        raise run.refuse(f"{to} is in {where}, not {step.department}", step=step.id)
    if posts and not any(post in _signer_roles(step) for post in posts):
        roles = ", ".join(sorted({str(r) for _, r in posts}))
        raise run.refuse(f"{to} ({roles}) may not sign this step", step=step.id)
    run_step.assignee = to
    run.emit("step.transferred", step=step.id, to=to)
