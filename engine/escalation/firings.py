"""Which levels of a case's clocks fire at `now`, and when the next one does (pure).

Every open step's clock, the case's promised clock (承诺时限), while an application awaits
the window its acceptance clock (Art. 32), and while a negative matter awaits its leader the
decision's clock (否定事项报备) climb their ladder. Beyond the
ladder: a supervisor's order (督办, `order_due`) moves the accountability level to the order's
date, and from the red card on, reminders (催办) repeat at the ladder's interval until the step
moves. A level is named by its `Level` value, a reminder by `reminder-N`; each fires once per
clock. After downtime, every missed ladder level fires, but only the latest missed reminder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from engine.calendar import StatutoryClock, WorkingCalendar
from engine.cases.acceptance import acceptance_clock
from engine.cases.case import Case, NegativeStatus
from engine.cases.negatives import decision_clocks
from engine.definitions.escalation import Level, Rung
from engine.definitions.model import StepKind, Workflow
from engine.escalation.ladder import LEVEL_ORDER, fires_at, positions

CASE_CLOCK = "case"
ACCEPTANCE_CLOCK = "acceptance"  # Art. 32: the window's 5 working days to handle an application
NEGATIVE_CLOCK = "negative"  # 否定事项报备: the leader's decision on a negative matter
REMINDER = "reminder"


def clock_key(case_id: str, step_id: str | None, attempt: int = 0) -> str:
    """The name of one clock: a step's attempt (a reopened step climbs a fresh ladder)."""
    return f"{case_id}:{step_id}:{attempt}" if step_id else f"{case_id}:{CASE_CLOCK}"


def clock_kind(key: str) -> str:
    """Which clock a key names: `step`, `promised` (the case clock), `acceptance` (Art. 32)
    or `negative` (a leader's decision on a negative matter)."""
    part = key.split(":")[1] if key.count(":") else ""
    if part == CASE_CLOCK:
        return "promised"
    return part if part in (ACCEPTANCE_CLOCK, NEGATIVE_CLOCK) else "step"


def negative_clock_key(case_id: str, negative_id: str) -> str:
    return f"{case_id}:{NEGATIVE_CLOCK}:{negative_id}"


def case_clock_keys(case: Case) -> tuple[str, ...]:
    """The clocks indexed on the case row (not on a step's): the promised clock, the
    acceptance clock and each negative matter's decision clock."""
    negatives = tuple(negative_clock_key(case.id, n.id) for n in case.negatives)
    return (clock_key(case.id, None), f"{case.id}:{ACCEPTANCE_CLOCK}", *negatives)


def reminder_level(n: int) -> str:
    return f"{REMINDER}-{n}"


def reminder_number(level: str) -> int | None:
    head, _, n = level.partition("-")
    return int(n) if head == REMINDER and n.isdigit() else None


@dataclass(frozen=True)
class Tracked:
    """A clock under supervision, with its ladder and the department answerable for it."""

    key: str
    case_id: str
    step_id: str | None
    attempt: int
    department: str
    clock: StatutoryClock
    ladder: tuple[Rung, ...]
    publication: bool = False  # a 双公示 step: its red card is a publication-overdue notice
    negative: str | None = None  # a negative matter's id: the clock of its leader's decision


@dataclass(frozen=True)
class Past:
    """What the escalations table holds for one clock."""

    fired: frozenset[str] = frozenset()
    order_due: dt.datetime | None = None


@dataclass(frozen=True)
class Firing:
    """A level due now: `level` a `Level` value or `reminder-N`."""

    level: str
    scheduled_at: dt.datetime
    notify: tuple[str, ...]


@dataclass(frozen=True)
class FiringPlan:
    """What fires now; `next_at` is the earliest level not yet fired (due now or later)."""

    due: tuple[Firing, ...] = ()
    next_at: dt.datetime | None = None
    pending: tuple[Firing, ...] = field(default=())  # the ladder levels still to come
    after: dt.datetime | None = None  # the next once `due` has fired


def tracked_clocks(
    case: Case,
    workflow: Workflow,
    *,
    steps: Collection[str] | None = None,
    case_clock: bool = True,
) -> list[Tracked]:
    """The clocks of `case` that escalate: open steps with a ladder (of `steps` only, if
    given), and the promised clock (unless not `case_clock`)."""
    found = []
    for run in case.steps.values():
        if not run.status.open or run.clock is None:
            continue
        if steps is not None and run.step_id not in steps:
            continue
        step = workflow.step(run.step_id)
        ladder = workflow.ladder_for(step)
        if ladder:
            found.append(
                Tracked(
                    key=clock_key(case.id, run.step_id, run.attempt),
                    case_id=case.id,
                    step_id=run.step_id,
                    attempt=run.attempt,
                    department=run.department,
                    clock=run.clock,
                    ladder=ladder,
                    publication=step.kind is StepKind.PUBLICATION,
                )
            )
    if case_clock and workflow.escalation and (accepting := acceptance_clock(case)) is not None:
        found.append(
            Tracked(
                key=case_clock_keys(case)[1],
                case_id=case.id,
                step_id=None,
                attempt=0,
                department=workflow.owner,
                clock=accepting,
                ladder=workflow.escalation,
            )
        )
    if case_clock:
        found += _negative_clocks(case, workflow)
    if case_clock and not case.status.closed and case.promised and workflow.escalation:
        found.append(
            Tracked(
                key=clock_key(case.id, None),
                case_id=case.id,
                step_id=None,
                attempt=0,
                department=workflow.owner,
                clock=case.promised,
                ladder=workflow.escalation,
            )
        )
    return found


def _negative_clocks(case: Case, workflow: Workflow) -> list[Tracked]:
    """The decision clock of each negative matter awaiting its leader, on the department's
    ladder (`negative_decision` in departments.yaml)."""
    found = []
    for negative in case.negatives:
        if negative.status is not NegativeStatus.PENDING:
            continue
        department = negative.department
        clocks = decision_clocks(
            workflow, department=department, registered_at=negative.registered_at
        )
        policy = workflow.negative_decision(department)
        if clocks is None or policy is None:
            continue
        found.append(
            Tracked(
                key=negative_clock_key(case.id, negative.id),
                case_id=case.id,
                step_id=None,
                attempt=0,
                department=negative.department,
                clock=clocks[1],
                ladder=policy.escalation,
                negative=negative.id,
            )
        )
    return found


def plan_firings(
    tracked: Tracked, calendar: WorkingCalendar, now: dt.datetime, past: Past = Past()
) -> FiringPlan:
    """What fires now (in ladder order) and when the next level or reminder is due."""
    clock = tracked.clock
    if clock.suspended:
        return FiringPlan()
    levels = positions(clock, tracked.ladder, calendar, now)
    if past.order_due is not None and levels:
        notify = levels.get(Level.ACCOUNTABILITY, max(levels.values()))[1]
        levels[Level.ACCOUNTABILITY] = (calendar.position(past.order_due), notify)
    due: list[Firing] = []
    pending: list[Firing] = []
    for level in LEVEL_ORDER:
        if level not in levels or level.value in past.fired:
            continue
        position, notify = levels[level]
        firing = Firing(level.value, fires_at(clock, calendar, position), notify)
        (due if firing.scheduled_at <= now else pending).append(firing)
    later = [f.scheduled_at for f in pending]
    red = levels.get(Level.RED)
    reached = red is not None and (
        Level.RED.value in past.fired or any(f.level == Level.RED.value for f in due)
    )
    if red is not None and reached:
        reminder, following = _reminders(levels, red[0], calendar, now, past)
        if reminder is not None:
            due.append(reminder)
        later.append(following)
    after = min(later) if later else None
    soonest = min((f.scheduled_at for f in due), default=after)  # not yet fired, due or not
    return FiringPlan(tuple(due), soonest, tuple(pending), after)


def _reminders(
    levels: Mapping[Level, tuple[int, tuple[str, ...]]],
    base: int,
    calendar: WorkingCalendar,
    now: dt.datetime,
    past: Past,
) -> tuple[Firing | None, dt.datetime]:
    """The latest reminder due (if not sent) and when the one after it is due."""
    taken = {position for position, _ in levels.values()}
    overdue = sorted(p for p in taken if p >= base)
    gaps = [b - a for a, b in zip(overdue, overdue[1:], strict=False) if b > a]
    interval = min(gaps, default=calendar.day_minutes)

    def free(n: int, step: int) -> int:
        while n > 0 and base + n * interval in taken:
            n += step
        return n

    sent = max((reminder_number(level) or 0 for level in past.fired), default=0)
    latest = free((calendar.position(now) - base) // interval, -1)
    firing = None
    if latest > sent:
        position = base + latest * interval
        notify = max((lv for lv in levels.values() if lv[0] <= position), key=lambda lv: lv[0])[1]
        firing = Firing(reminder_level(latest), calendar.instant(position), notify)
    following = free(max(sent, latest) + 1, 1)
    return firing, calendar.instant(base + following * interval)
