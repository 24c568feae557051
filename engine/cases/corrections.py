"""The one correction notice (一次告知补正, Art. 32): every branch's requests gather on one open
correction, the applicant gets one notice listing them all, and each item is answered.

The rule (docs/domain.md §one-notice):
- at intake (the application not yet accepted) the window returns it for correction
  (`return-for-correction` naming no step): its items are the one notice, issued at once, and
  the notice stops the Art. 32 acceptance window until the supplement answers it;
- a reviewer's `return-for-correction` adds its items to the case's one open correction, a
  draft while another active branch may still ask; the branches' clocks run on meanwhile (the
  applicant has not been told: the time is the agency's);
- the draft is issued (one notice, every item, the clocks of the active branches stopped) by the
  window (`issue-correction`), by itself once every active branch has answered, or by the
  sweep at the Art. 32 limit, five working days after it opened: whichever comes first;
- after the issue, a step the notice stopped, or one not active, asks for nothing more
  (refused); a step that became active after the issue may, and its items go out in a
  supplementary notice recorded as a breach of the one notice (`correction.breach`), which
  supervision sees among the escalations;
- each item, a named material or free text (`note-N`), is answered by the applicant's
  supplement: a material leaves the awaited list as soon as it arrives, and the clocks run
  again only when nothing is awaited.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from engine.calendar import WorkingCalendar
from engine.calendar.display import moment_text, moment_text_zh
from engine.cases.acceptance import ART32_LIMIT, acceptance_due
from engine.cases.case import (
    SYSTEM,
    Correction,
    CorrectionItem,
    CorrectionState,
    MaterialState,
    MaterialStatus,
    StepRun,
)
from engine.cases.case_clocks import CORRECTION
from engine.cases.run import REVIEW_ROLES, Run
from engine.cases.state import CaseStatus, StepStatus
from engine.definitions.model import AUTOMATIC_KINDS

INTAKE = "intake"  # who asks at intake (the window's notice, or the missing materials)
NOTE = "note-"  # the key of a free-text item: note-1, note-2 …
HOLD = CORRECTION  # a step's hold while the notice stops its clock
BREACH = "correction.breach"
ANSWERED = (MaterialStatus.SUPPLIED, MaterialStatus.COMMITTED, MaterialStatus.TO_VERIFY)


def issue_due(correction: Correction | None, calendar: WorkingCalendar) -> dt.datetime | None:
    """When a draft must be issued at the latest (None: no draft): Art. 32's five working
    days, from the first request on it."""
    if correction is None or correction.state is not CorrectionState.DRAFT:
        return None
    return calendar.due(correction.opened_at, ART32_LIMIT).at


# -- asking -----------------------------------------------------------------------------------


def ask(
    run: Run,
    items: list[str],
    *,
    by: str,
    reason: str = "",
    reasons: dict[str, str] | None = None,
    actor: str | None = None,
    after_issue: bool = False,
) -> list[CorrectionItem]:
    """Add `items` (material ids or free text) to the open correction, opened as a draft if
    there is none; returns the items new to it (one already awaited is not asked twice).
    `reasons`: a material's own reason, in its title (a source held no valid certificate)."""
    case, now = run.case, run.ctx.now
    titles = {m.id: m.title for m in run.ctx.workflow.materials}
    if case.correction is None:
        case.correction = Correction(items=[], opened_at=now)
        run.emit("correction.opened", by=by)
    correction = case.correction
    if by not in correction.asked_by:
        correction.asked_by.append(by)
    new: list[CorrectionItem] = []
    for raw in items:
        text = str(raw).strip()
        awaited = correction.awaited
        if text in titles:
            if any(i.key == text for i in awaited):
                continue
            own = (reasons or {}).get(text)
            key, shown = text, titles[text] + (f"（{own}）" if own else "")
        else:
            if any(not i.material and i.text == text for i in awaited):
                continue
            key, shown = f"{NOTE}{sum(not i.material for i in correction.items) + 1}", text
        item = CorrectionItem(
            key=key,
            text=shown,
            asked_by=by,
            actor=actor or run.ctx.actor.name,
            asked_at=now,
            reason=reason,
            material=key in titles,
            after_issue=after_issue,
        )
        correction.items.append(item)
        new.append(item)
        if item.material:
            old = case.materials.get(key)
            case.materials[key] = MaterialState(
                MaterialStatus.MISSING,
                now,
                old.deadline if old else None,
                old.reference if old else None,
            )
    if new:
        run.emit("correction.asked", by=by, items=[i.key for i in new], reason=reason)
    return new


def return_for_correction(run: Run) -> None:
    """Ask the applicant for materials or free-text items (退回补正): at intake the window,
    naming no step; in review a reviewer of the step."""
    if run.case.accepted_at is None and not run.ctx.args.get("step"):
        _return_at_intake(run)
        return
    run.need_case(CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION)
    run_step = run.step_run(statuses=(StepStatus.ACTIVE, StepStatus.SUSPENDED))
    step = run.ctx.workflow.step(run_step.step_id)
    run.need_role(REVIEW_ROLES, step.department, step=step.id)
    items = _items(run, step=step.id)
    reason = str(run.ctx.args.get("reason") or "").strip()
    correction = run.case.correction
    if correction is None or correction.state is CorrectionState.DRAFT:
        ask(run, items, by=step.id, reason=reason)
        return
    assert correction.issued_at is not None
    zone = run.ctx.calendar.tz
    if run_step.status is not StepStatus.ACTIVE:
        raise run.refuse(
            "the one correction notice (一次告知, Art. 32) was issued at "
            f"{moment_text(correction.issued_at, zone)}: a step it "
            "stopped, or one not active, adds nothing to it; ask after the supplement",
            step=step.id,
        )
    new = ask(run, items, by=step.id, reason=reason, after_issue=True)
    if not new:
        return
    _stop(run, run_step)
    run.emit(
        BREACH,
        step=step.id,
        department=step.department,
        attempt=run_step.attempt,
        items=[i.key for i in new],
        issued_at=correction.issued_at.isoformat(),
        breach=sum(i.after_issue for i in correction.items) - len(new),
    )
    run.notify(
        "correction-amended",
        f"补正告知（补充）：{_listing(new)}。此项在{moment_text_zh(correction.issued_at, zone)}"
        "一次性告知之后提出，"
        "已报电子监察（行政许可法第三十二条）。",
        step=step.id,
    )


def _items(run: Run, *, step: str | None = None) -> list[str]:
    """The `items` argument: a list, or one comma-separated text; refused when empty."""
    items = run.arg("items", required=False)
    if isinstance(items, str):
        items = items.replace("，", ",").split(",")
    found = [str(i).strip() for i in items or [] if str(i).strip()]
    if not found:
        raise run.refuse("list what the applicant must supply", step=step)
    known = {m.id for m in run.ctx.workflow.materials}
    for item in found:
        if item not in known and _MATERIAL_ID.fullmatch(item):
            raise run.refuse(
                f"{item!r} is no material of {run.ctx.workflow.id} (its materials: "
                f"{', '.join(sorted(known))}); free text is written in words",
                step=step,
            )
    return found


# what a material id looks like (`traffic-plan`): such an item naming no material is a typo,
# not free text for the applicant
_MATERIAL_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def _return_at_intake(run: Run) -> None:
    """一次告知 at intake (Art. 32): the window names everything to supply or correct, and
    the one notice goes out at once; the acceptance window waits for the supplement."""
    run.need_role(("window",), run.ctx.workflow.owner)
    correction, zone = run.case.correction, run.ctx.calendar.tz
    if correction is not None and correction.issued_at is not None:
        raise run.refuse(
            "the one correction notice (一次告知, Art. 32) was issued at "
            f"{moment_text(correction.issued_at, zone)}: nothing is added to it; "
            "ask after the supplement"
        )
    run.need_case(CaseStatus.SUBMITTED)
    due = acceptance_due(run.case, run.ctx.calendar)
    if due is not None and run.ctx.now > due:
        raise run.refuse(
            f"the Art. 32 window to accept or return it ended at {moment_text(due, zone)}: "
            "the application is deemed accepted from its arrival"
        )
    items = _items(run)
    ask(run, items, by=INTAKE, reason=str(run.ctx.args.get("reason") or "").strip())
    issue(run, trigger="window")


# -- issuing ----------------------------------------------------------------------------------


def issue_correction(run: Run) -> None:
    """The window issues the draft (or the system, once the Art. 32 limit has passed)."""
    run.need_case(CaseStatus.IN_PROGRESS)
    correction = run.case.correction
    if correction is None or correction.state is not CorrectionState.DRAFT:
        raise run.refuse("there is no draft correction to issue")
    if run.ctx.actor.role == SYSTEM:
        due = issue_due(correction, run.ctx.calendar)
        if due is None or run.ctx.now <= due:
            raise run.refuse("the Art. 32 limit of the draft correction has not passed")
        issue(run, trigger="art32-limit")
        return
    run.need_role(("window",), run.ctx.workflow.owner)
    issue(run, trigger="window")


def issue(run: Run, *, trigger: str) -> None:
    """The one notice: every awaited item, the clocks of the active branches stopped."""
    case, now = run.case, run.ctx.now
    correction = case.correction
    assert correction is not None
    correction.state = CorrectionState.ISSUED
    correction.issued_at = now
    correction.issued_by = SYSTEM if trigger != "window" else run.ctx.actor.name
    for run_step in case.steps.values():
        if run_step.status is StepStatus.ACTIVE and run_step.clock:
            _stop(run, run_step)
    run.move_case(CaseStatus.CORRECTION)
    items = correction.awaited
    run.emit("correction.issued", trigger=trigger, items=[i.key for i in items])
    run.notify("correction", f"一次性告知补正材料（行政许可法第三十二条）：{_listing(items)}")


def _stop(run: Run, run_step: StepRun) -> None:
    assert run.case.correction is not None and run_step.clock is not None
    run_step.clock = run_step.clock.suspend(run.ctx.now, "补正 correction")
    run_step.hold = HOLD
    run.move_step(run_step, StepStatus.SUSPENDED)
    run.case.correction.steps.append(run_step.step_id)


def _listing(items: list[CorrectionItem]) -> str:
    """The items as the notice lists them: `1. 施工平面图（理由：…）；2. 补充说明（编号note-1）`."""
    lines = []
    for number, item in enumerate(items, 1):
        code = "" if item.material else f"（编号{item.key}）"
        why = f"（理由：{item.reason}）" if item.reason else ""
        lines.append(f"{number}. {item.text}{code}{why}")
    return "；".join(lines)


def unanswered_branches(run: Run) -> list[str]:
    """The active steps that have neither asked on the draft nor moved on (an automatic
    check cannot ask: it is not waited for)."""
    case, correction = run.case, run.case.correction
    asked = set(correction.asked_by) if correction else set()
    return [
        step.id
        for step in run.ctx.workflow.steps
        if case.steps[step.id].status is StepStatus.ACTIVE
        and step.id not in asked
        and step.kind not in AUTOMATIC_KINDS
    ]


def settle(run: Run) -> None:
    """After every action: a draft is issued once every active branch has answered, and
    dropped when nothing on it is awaited any more or the case closed."""
    case = run.case
    correction = case.correction
    if correction is None or correction.state is not CorrectionState.DRAFT:
        return
    if case.status.closed or not correction.awaited:
        case.correction = None
        run.emit("correction.dropped", answered=not case.status.closed)
        return
    if case.status is CaseStatus.IN_PROGRESS and not unanswered_branches(run):
        issue(run, trigger="every-branch-answered")


# -- answering --------------------------------------------------------------------------------


def answer(run: Run, supplied: dict[str, Any]) -> None:
    """The supplement answers the items it brings (a material once in the pool, a free-text
    item by its key); the window may take the rest as answered at the counter (`complete`).
    An issued correction with nothing awaited closes, and the stopped clocks run again."""
    case, now = run.case, run.ctx.now
    correction = case.correction
    if correction is None:
        return
    complete = bool(run.ctx.args.get("complete"))
    if complete and run.ctx.actor.role != "window":
        raise run.refuse("only the window may take a correction as complete", who=True)
    for item in correction.awaited:
        state = case.materials.get(item.key)
        if item.material and state and state.status in ANSWERED:
            item.answered_at, item.answer = now, state.reference
        elif not item.material and str(supplied.get(item.key) or "").strip():
            item.answered_at, item.answer = now, str(supplied[item.key]).strip()
        elif complete:
            item.answered_at, item.answer = now, f"window:{run.ctx.actor.name}"
    outstanding = [i.key for i in correction.awaited]
    if outstanding:
        run.emit("correction.partial", outstanding=outstanding)
        return
    if correction.state is CorrectionState.DRAFT:
        return  # `settle` drops it: the applicant need not be told
    case.correction = None
    for step_id in correction.steps:
        run_step = case.steps[step_id]
        if run_step.status is StepStatus.SUSPENDED and run_step.hold == HOLD:
            assert run_step.clock is not None
            run_step.clock = run_step.clock.resume(now)
            run_step.hold = None
            run.move_step(run_step, StepStatus.ACTIVE)
    if case.accepted_at is None:  # the corrected application is back: Art. 32 counts anew
        case.resubmitted_at = now
    run.move_case(CaseStatus.IN_PROGRESS if case.accepted_at else CaseStatus.SUBMITTED)
    run.emit("correction.closed")


def free_text_keys(correction: Correction | None) -> set[str]:
    """The keys of the free-text items a supplement may answer."""
    return {i.key for i in correction.items if not i.material} if correction else set()
