"""A step's and a case's time limits: stopped while an expert review or the like runs
(Art. 45, 中止计时) and extended by a head or the leader (Art. 42, 延期).
"""

from __future__ import annotations

from engine.calendar.display import moment_text_zh
from engine.cases.case_clocks import cover
from engine.cases.run import REVIEW_ROLES, Run
from engine.cases.state import CaseStatus, StepStatus

# Art. 42: a head may extend a decision by 10 working days; joint handling by 15.
STEP_EXTENSION_CAP = 10
CASE_EXTENSION_CAP = 15


def suspend(run: Run) -> None:
    run.need_case(CaseStatus.IN_PROGRESS)
    run_step = run.step_run()
    step = run.ctx.workflow.step(run_step.step_id)
    run.need_role(REVIEW_ROLES, step.department, step=step.id)
    reason = run.arg("reason")
    assert run_step.clock is not None
    run_step.clock = run_step.clock.suspend(run.ctx.now, reason)
    run_step.hold = reason
    run.move_step(run_step, StepStatus.SUSPENDED)
    run.notify(
        "suspension",
        f"书面告知（行政许可法第四十五条）：{step.title}因{reason}中止计时，"
        "所需时间不计入办理期限。",
        step=step.id,
    )


def resume(run: Run) -> None:
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


def extend(run: Run) -> None:
    """延期 (Art. 42): a head extends a step, the leader the joint handling. A step extended
    past the case's deadlines moves them as far as it must; the notice gives the new date."""
    run.need_case(CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION)
    days = run.arg("days")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise run.refuse(f"an extension is a positive whole number of working days, not {days!r}")
    reason = run.arg("reason")
    case, calendar, now = run.case, run.ctx.calendar, run.ctx.now
    assert case.statutory is not None and case.promised is not None
    old_due = case.promised.read(calendar, now).due
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
        old_due = run_step.clock.read(calendar, now).due
        run_step.clock = run_step.clock.extend(days, reason, now)
        new_due = run_step.clock.read(calendar, now).due
        until, _ = run_step.clock.due_position(calendar, now)
        case.promised = cover(run, case.promised, name="promised", until=until, reason=reason)
        case.statutory = cover(run, case.statutory, name="statutory", until=until, reason=reason)
        case_due = case.promised.read(calendar, now).due
        where = step.title
    else:
        run.need_role(("leader",), run.ctx.workflow.owner)
        if case.statutory.extended_days + days > CASE_EXTENSION_CAP:
            raise run.refuse(
                f"joint handling may be extended by {CASE_EXTENSION_CAP} working "
                f"days (Art. 42); {case.statutory.extended_days} already granted"
            )
        case.statutory = case.statutory.extend(days, reason, now)
        case.promised = case.promised.extend(days, reason, now)
        new_due = case_due = case.promised.read(calendar, now).due
        where = run.ctx.workflow.title
    run.emit(
        "clock.extended",
        step=run.ctx.args.get("step"),
        days=days,
        reason=reason,
        old_due=old_due.isoformat(),
        new_due=new_due.isoformat(),
    )
    text = (
        f"延期告知（行政许可法第四十二条）：{where}延长{days}个工作日，"
        f"延长后于{moment_text_zh(new_due, calendar.tz)}前办结；理由：{reason}。"
    )
    if case_due != new_due:
        text += f"本件承诺办结期限为{moment_text_zh(case_due, calendar.tz)}。"
    run.notify("extension", text, step=run.ctx.args.get("step"))
