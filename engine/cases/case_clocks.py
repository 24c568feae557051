"""The case's own clocks (承诺时限, 法定时限): when they stop, and how far an extension moves them.

The rule (docs/domain.md, "The case clocks"): the case's promised and statutory clocks stop
while the case waits on time the law does not count —
- an open step whose clock is stopped: an Art. 45 suspension (hearing, testing, expert review …)
  or the applicant's correction (补正, Art. 32);
- an active step marked `counted: false` that a counted step still waits for (the ride-hailing
  driver's exam: examination and testing are not counted, Art. 45);
- a delivery that waits only on the applicant: deferred materials (容缺后补) not yet supplied,
  without which the result is not issued — the step's own clock stops too (hold `applicant`),
  so neither it nor the case escalates against the department for the applicant's time;
- or no counted step is open at all (only publication after the decision, 双公示, remains).
Work on a parallel branch meanwhile does not run the case clock: the decision waits for the
stopped step, so the whole stop is the "time needed" that Art. 45 leaves out.
"""

from __future__ import annotations

from engine.calendar import StatutoryClock
from engine.cases.case import Case, MaterialStatus
from engine.cases.run import Run
from engine.cases.state import CaseStatus, StepStatus
from engine.definitions.graph import ancestors
from engine.definitions.model import StepKind, Workflow

CORRECTION = "correction"
ART45 = "art45"
NOT_COUNTED = "not-counted"
APPLICANT = "applicant"  # a delivery waiting only on the applicant's deferred materials


def stopping_reasons(case: Case, workflow: Workflow) -> list[str]:
    """Why the case clocks stand now (empty: they run): `correction`, `art45:STEP` or
    `not-counted:STEP`, in the definition's order."""
    if case.status not in (CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION):
        return []
    reasons: list[str] = []
    idle: list[str] = []  # uncounted steps nothing counted waits for (publication)
    counting = False
    waited_on: set[str] | None = None
    for step in workflow.steps:
        run = case.steps[step.id]
        if not run.status.open:
            continue
        if run.status is StepStatus.SUSPENDED:
            why = CORRECTION if run.hold == CORRECTION else f"{ART45}:{step.id}"
            if why not in reasons:
                reasons.append(why)
        elif run.hold == APPLICANT:
            reasons.append(f"{APPLICANT}:{step.id}")
        elif step.is_counted:
            counting = True
        else:
            if waited_on is None:
                waited_on = _waited_on(case, workflow)
            (reasons if step.id in waited_on else idle).append(f"{NOT_COUNTED}:{step.id}")
    if reasons or counting:
        return reasons
    return idle


def _waited_on(case: Case, workflow: Workflow) -> set[str]:
    """The steps that a counted step not yet finished needs, directly or not."""
    needs = {s.id: tuple(s.needs) for s in workflow.steps}
    found: set[str] = set()
    for step in workflow.steps:
        if step.is_counted and not case.steps[step.id].status.finished:
            found |= ancestors(needs, step.id)
    return found


def _await_the_applicant(run: Run) -> None:
    """Stop an active delivery's clock while a deferred material is outstanding (the result
    is issued only after it arrives); restart it once none is."""
    case, now = run.case, run.ctx.now
    waiting = any(m.status is MaterialStatus.DEFERRED for m in case.materials.values())
    for step in run.ctx.workflow.steps:
        step_run = case.steps[step.id]
        clock = step_run.clock
        if step.kind is not StepKind.DELIVERY or step_run.status is not StepStatus.ACTIVE:
            continue
        if clock is None:
            continue
        if waiting and not clock.suspended:
            step_run.clock = clock.suspend(now, "awaiting the deferred materials (容缺后补)")
            step_run.hold = APPLICANT
            run.emit("step.clock.stopped", step=step.id, reason=APPLICANT)
        elif not waiting and step_run.hold == APPLICANT:
            step_run.clock = clock.resume(now)
            step_run.hold = None
            run.emit("step.clock.restarted", step=step.id)


def settle(run: Run) -> None:
    """Stop or restart the case clocks as `stopping_reasons` says, at the action's moment
    (after holding a delivery that waits only on the applicant)."""
    case = run.case
    if case.status in (CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION):
        _await_the_applicant(run)
    reasons = stopping_reasons(case, run.ctx.workflow)
    case.holds = reasons
    if case.promised is None or case.statutory is None or case.status.closed:
        return
    now = run.ctx.now
    if reasons and not case.promised.suspended:
        why = ", ".join(reasons)
        case.promised = case.promised.suspend(now, why)
        case.statutory = case.statutory.suspend(now, why)
        run.emit("case.clocks.stopped", reasons=reasons)
    elif not reasons and case.promised.suspended:
        case.promised = case.promised.resume(now)
        case.statutory = case.statutory.resume(now)
        run.emit("case.clocks.restarted")


def cover(run: Run, clock: StatutoryClock, *, name: str, until: int, reason: str) -> StatutoryClock:
    """`clock` extended by the fewest working days that put its deadline at or after working
    minute `until` (Art. 42: an extended step moves the case as far as it must, no further);
    the event names the old and the new due date."""
    calendar, now = run.ctx.calendar, run.ctx.now
    position, _ = clock.due_position(calendar, now)
    if position >= until:
        return clock
    days = -(-(until - position) // calendar.day_minutes)
    moved = clock.extend(days, reason, now)
    run.emit(
        "case.clock.moved",
        clock=name,
        days=days,
        old_due=clock.read(calendar, now).due.isoformat(),
        new_due=moved.read(calendar, now).due.isoformat(),
        reason=reason,
    )
    return moved
