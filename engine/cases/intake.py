"""Intake (收件): the application, its material pool, acceptance (受理) and the supplements
that answer the one correction notice (一次告知补正, Art. 32: `corrections`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.calendar import Limit, StatutoryClock, Unit, WorkingCalendar
from engine.calendar.display import moment_text_zh
from engine.cases import corrections
from engine.cases.case import (
    APPLICANT,
    SYSTEM,
    Actor,
    Case,
    MaterialState,
    MaterialStatus,
    NegativeKind,
    NegativeStatus,
    StepRun,
)
from engine.cases.negatives import register_negative
from engine.cases.run import Context, Event, Run
from engine.cases.sharing import Lookup, take_looked_up
from engine.cases.state import CaseStatus
from engine.definitions.application import check_application
from engine.definitions.model import Workflow


def _new_case_steps(workflow: Workflow) -> dict[str, StepRun]:
    return {s.id: StepRun(s.id, s.department) for s in workflow.steps}


def submit(
    *,
    case_id: str,
    workflow: Workflow,
    calendar: WorkingCalendar,
    application: dict[str, Any],
    now: dt.datetime,
    looked_up: list[Lookup] | None = None,
    query_code: str = "",
) -> tuple[Case, list[Event]]:
    """Take an application in once: its fields and materials form the case's pool, with what
    the sources answered for the materials that have one (`looked_up`); `query_code` is the
    applicant's for the status lookup. An application with any problem is refused whole,
    every problem listed (`ApplicationError`)."""
    check_application(workflow, application)
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
        query_code=query_code,
    )
    run = Run(case, "submit", Context(workflow, calendar, Actor("applicant", APPLICANT), now))
    run.emit("case.submitted", workflow=workflow.id, version=workflow.version, fields=fields)
    _take_materials(run, application.get("materials", {}))
    absent = take_looked_up(run, looked_up or [])
    missing = _missing(run)
    if missing:  # on the spot (当场): the one notice goes out at once
        corrections.ask(run, missing, by=corrections.INTAKE, reasons=absent, actor=SYSTEM)
        corrections.issue(run, trigger="on-the-spot")
    return case, run.events


def _take_materials(run: Run, supplied: dict[str, Any]) -> None:
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


def _missing(run: Run) -> list[str]:
    """Required materials not in the pool and not deferrable (those go in the one notice)."""
    case, workflow = run.case, run.ctx.workflow
    missing = []
    for material in workflow.materials:
        if not material.asked(case.fields):
            continue
        state = case.materials.get(material.id)
        if state and state.status in (
            MaterialStatus.SUPPLIED,
            MaterialStatus.COMMITTED,
            MaterialStatus.TO_VERIFY,
        ):
            continue
        if material.deferrable is None:
            missing.append(material.id)
    return missing


def accept(run: Run) -> None:
    run.need_case(CaseStatus.SUBMITTED)
    run.need_role(("window",), run.ctx.workflow.owner)
    if _refused_at_acceptance(run):
        return
    open_case(run, since=run.ctx.now)


def open_case(run: Run, *, since: dt.datetime, deemed: bool = False) -> None:
    """受理: the case clocks start at `since` (the acceptance, or for an application deemed
    accepted, Art. 32, the day its materials arrived); deferred materials get their deadline,
    the acceptance notice goes out and the first steps start."""
    case, workflow, now = run.case, run.ctx.workflow, since
    case.accepted_at = now
    promised, statutory = workflow.limits_for(case.fields)
    case.promised = StatutoryClock(now, promised)
    case.statutory = StatutoryClock(now, statutory)
    calendar = run.ctx.calendar
    promised_due = case.promised.read(calendar, now).due
    statutory_due = case.statutory.read(calendar, now).due
    deferred = []
    for material in workflow.materials:
        if (
            material.deferrable
            and material.id not in case.materials
            and material.asked(case.fields)
        ):
            due = run.ctx.calendar.due(now, material.deferrable.supply_within).at
            deadline = min(due, promised_due)  # never beyond the promised limit
            case.materials[material.id] = MaterialState(MaterialStatus.DEFERRED, now, deadline)
            run.emit("material.deferred", material=material.id, deadline=deadline.isoformat())
            deferred.append(f"{material.title}（{moment_text_zh(deadline, calendar.tz)}前）")
    run.move_case(CaseStatus.IN_PROGRESS)
    deeming = (
        "依行政许可法第三十二条，逾期未作处理，自收到申请材料之日起视为受理；" if deemed else ""
    )
    run.notify(
        "acceptance",
        f"受理通知：{deeming}{workflow.title}，承诺时限{_zh_limit(promised)}，"
        f"承诺于{moment_text_zh(promised_due, calendar.tz)}前办结；"
        f"法定时限{_zh_limit(statutory)}，至{moment_text_zh(statutory_due, calendar.tz)}。"
        + (
            f"受理编号{case.id}，查询码{case.query_code}：凭此可在办件进度查询中查看办理进度。"
            if case.query_code
            else ""
        ),
    )
    if deferred:
        run.notify(
            "deferral",
            "容缺受理告知：请于期限内补齐以下材料，逾期未补齐的终止办理，"
            "补齐后方可送达办理结果：" + "；".join(deferred),
        )
    run.advance()


def _zh_limit(limit: Limit) -> str:
    """`5个工作日`, `当场办结`: a limit as the acceptance notice states it."""
    if limit.unit is Unit.SAME_DAY or not limit.value:
        return "当场办结"
    unit = {
        Unit.WORKING_DAYS: "个工作日",
        Unit.NATURAL_DAYS: "日",
        Unit.WORKING_HOURS: "个工作小时",
    }
    return f"{limit.value}{unit[limit.unit]}"


def _refused_at_acceptance(run: Run) -> bool:
    """不予受理: an application for which the definition's `refuse_when` holds is not accepted;
    the refusal is registered for the leader (否定事项报备), who confirms it or overturns it —
    after an overturn of the same facts, the window accepts."""
    refusals = run.ctx.workflow.refusals_for(run.case.fields)
    if not refusals:
        return False
    reason = "；".join(r.reason for r in refusals)
    basis = "；".join(dict.fromkeys(r.legal_basis for r in refusals))
    if any(
        n.kind is NegativeKind.REFUSE_ACCEPTANCE
        and n.status is NegativeStatus.OVERTURNED
        and n.reason == reason
        for n in run.case.negatives
    ):
        return False
    register_negative(run, NegativeKind.REFUSE_ACCEPTANCE, step=None, stated=(reason, basis))
    run.move_case(CaseStatus.REFUSAL_PENDING)
    return True


def supplement(run: Run) -> None:
    """The applicant (or the window for them) brings materials, and answers the open
    correction's items with them (`corrections.answer`)."""
    run.need_case(CaseStatus.CORRECTION, CaseStatus.IN_PROGRESS, CaseStatus.SUBMITTED)
    run.need_applicant_or_window()
    supplied = run.arg("materials")
    if not isinstance(supplied, dict) or not supplied:
        raise run.refuse('name the materials supplied, e.g. {"id-card": "doc-42"}')
    notes = corrections.free_text_keys(run.case.correction)
    _take_materials(run, {k: v for k, v in supplied.items() if k not in notes})
    corrections.answer(run, supplied)
