"""The end of a case before its decision: withdrawn by the applicant (撤回) or terminated
(终止) by the leader, the system, or a deferred material past its deadline (容缺逾期)."""

from __future__ import annotations

from engine.cases.case import SYSTEM, MaterialStatus
from engine.cases.run import Run
from engine.cases.state import CaseStatus


def withdraw(run: Run) -> None:
    run.need_applicant_or_window()
    if run.case.status.closed:
        raise run.refuse("the case is closed")
    run.case.outcome = "withdrawn by the applicant"
    run.move_case(CaseStatus.WITHDRAWN)


def terminate(run: Run) -> None:
    _need_leader_or_system(run)
    if run.case.status.closed:
        raise run.refuse("the case is closed")
    _terminate(run, run.arg("reason"))


def expire_deferrals(run: Run) -> None:
    """容缺: a deferred material not supplied by its deadline terminates the case."""
    _need_leader_or_system(run)
    late = [
        m
        for m, s in run.case.materials.items()
        if s.status is MaterialStatus.DEFERRED and s.deadline and s.deadline < run.ctx.now
    ]
    if not late or run.case.status.closed:
        raise run.refuse("no deferred material is past its deadline")
    titles = {m.id: m.title for m in run.ctx.workflow.materials}
    run.ctx.args["reason"] = "容缺材料逾期未补齐：" + "、".join(titles.get(m, m) for m in late)
    _terminate(run, run.ctx.args["reason"])


def _need_leader_or_system(run: Run) -> None:
    if run.ctx.actor.role != SYSTEM:
        run.need_role(("leader",), run.ctx.workflow.owner)


def _terminate(run: Run, reason: str) -> None:
    run.case.outcome = reason
    run.move_case(CaseStatus.TERMINATED)
    run.notify("termination", f"终止办理：{reason}")
