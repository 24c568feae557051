"""The sweep's index: `next_escalation_at` on each open step row and on the case row; and
the moments each open step turns yellow and red (`turning`), for the overview's lights and
week forecast.

Planned for the clocks a command moved (`planned`) and written with the case's rows
(`engine.cases.writes`), so the sweep finds what is due, and the overview counts what turns,
by index range scans, never by reading every case.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, SQLModel, col, select

from engine.calendar import WorkingCalendar
from engine.cases.case import Case
from engine.cases.tables import CaseRow, EscalationRow, NegativeRow, StepRow, among
from engine.clock import as_utc
from engine.definitions.escalation import Level
from engine.definitions.model import Workflow
from engine.escalation.firings import (
    Past,
    Tracked,
    case_clock_keys,
    clock_key,
    plan_firings,
    tracked_clocks,
)
from engine.escalation.ladder import marks
from engine.escalation.lapses import lapse_at

Turns = tuple[dt.datetime | None, dt.datetime | None]  # (turns yellow at, turns red at), UTC


def history(session: Session, case_id: str) -> dict[str, Past]:
    """What has fired on each clock of the case (and any order's date)."""
    return histories(session, [case_id]).get(case_id, {})


def histories(session: Session, case_ids: list[str]) -> dict[str, dict[str, Past]]:
    """`history` of many cases in one query: case id → clock key → what fired."""
    fired: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    orders: dict[str, dt.datetime] = {}
    rows = session.execute(
        select(
            EscalationRow.case_id,
            EscalationRow.clock_key,
            EscalationRow.level,
            EscalationRow.order_due,
        ).where(among(session, col(EscalationRow.case_id), case_ids))
    )
    for case_id, key, level, order_due in rows:
        fired[case_id][key].add(level)
        if order_due is not None:
            orders[key] = as_utc(order_due)
    return {
        case_id: {k: Past(frozenset(levels), orders.get(k)) for k, levels in clocks.items()}
        for case_id, clocks in fired.items()
    }


def stored_steps(
    session: Session, case_ids: list[str]
) -> dict[tuple[str, str], dt.datetime | None]:
    """The index as stored: (case, step) → next escalation time (UTC)."""
    rows = session.execute(
        select(StepRow.case_id, StepRow.step_id, StepRow.next_escalation_at).where(
            among(session, col(StepRow.case_id), case_ids)
        )
    )
    return {(c, s): as_utc(n) for c, s, n in rows}


def step_updates(
    case: Case,
    nexts: dict[str, dt.datetime | None],
    stored: dict[tuple[str, str], dt.datetime | None],
) -> list[tuple[str, str, dt.datetime | None]]:
    """The step rows whose index value changes: (case, step, new value in UTC); steps whose
    clock is not in `nexts` are left alone."""
    changed = []
    for step_id, run in case.steps.items():
        key = clock_key(case.id, step_id, run.attempt)
        if key not in nexts:  # not looked at: left as it is
            continue
        wanted = as_utc(nexts[key])
        if (case.id, step_id) in stored and stored[(case.id, step_id)] != wanted:
            changed.append((case.id, step_id, wanted))
    return changed


def write_steps(session: Session, changes: list[tuple[str, str, dt.datetime | None]]) -> None:
    """Store many index values in one statement."""
    rows = [{"case_id": c, "step_id": s, "next_escalation_at": n} for c, s, n in changes]
    _update_each(session, StepRow.__tablename__, ("case_id", "step_id"), rows)


def _update_each(
    session: Session, table_name: str, key: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """Set each row's values on the row of `table_name` its `key` columns name, all in one
    statement (each row gives the same columns)."""
    if not rows:
        return
    table = SQLModel.metadata.tables[table_name]
    session.connection().execute(
        update(table)
        .where(*(table.c[k] == bindparam(f"b_{k}") for k in key))
        .values({c: bindparam(f"b_{c}") for c in rows[0] if c not in key}),
        [{f"b_{c}": v for c, v in row.items()} for row in rows],
    )


def next_times(
    clocks: list[Tracked], past: dict[str, Past], calendar: WorkingCalendar, now: dt.datetime
) -> dict[str, dt.datetime | None]:
    return {t.key: plan_firings(t, calendar, now, past.get(t.key, Past())).next_at for t in clocks}


def planned(
    case: Case,
    workflow: Workflow,
    calendar: WorkingCalendar,
    now: dt.datetime,
    past: dict[str, Past],
    *,
    steps: Collection[str],
    case_clock: bool = True,
) -> dict[str, dt.datetime | None]:
    """The next escalation time (UTC) of the clocks of `steps` and (if `case_clock`) of the
    case clock, by clock key, given what has fired (`past`, from `history`); None where
    nothing is pending."""
    nexts: dict[str, dt.datetime | None] = {
        clock_key(case.id, step_id, case.steps[step_id].attempt): None for step_id in steps
    }
    if case_clock:
        nexts.update(dict.fromkeys(case_clock_keys(case)))
    tracked = tracked_clocks(case, workflow, steps=steps, case_clock=case_clock)
    nexts.update(next_times(tracked, past, calendar, now))
    return {key: as_utc(moment) for key, moment in nexts.items()}


def turning(
    case: Case,
    workflow: Workflow,
    calendar: WorkingCalendar,
    now: dt.datetime,
    *,
    steps: Collection[str],
) -> dict[str, Turns]:
    """When each of `steps` turns yellow and red: its running clock's ladder marks (the
    ladder decides what yellow means; this only records it); (None, None) for a closed step,
    a stopped clock or a ladder without that level."""
    found: dict[str, Turns] = dict.fromkeys(steps, (None, None))
    for tracked in tracked_clocks(case, workflow, steps=steps, case_clock=False):
        at = {m.level: m.at for m in marks(tracked.clock, tracked.ladder, calendar, now)}
        found[str(tracked.step_id)] = (as_utc(at.get(Level.YELLOW)), as_utc(at.get(Level.RED)))
    return found


@dataclass(frozen=True)
class OwnTurns:
    """When the case's own clocks turn yellow and red: the case clock (the promised one, or
    while the application awaits the window the acceptance clock) and each negative
    matter's decision clock awaiting its leader (negative id → moments)."""

    case: Turns = (None, None)
    negatives: dict[str, Turns] = field(default_factory=dict)


def own_turning(
    case: Case, workflow: Workflow, calendar: WorkingCalendar, now: dt.datetime
) -> OwnTurns:
    """`turning` of the clocks the case row and its negative rows hold (their ladders'
    marks; (None, None) for a clock standing still, closed or without those levels)."""
    negatives: dict[str, Turns] = {n.id: (None, None) for n in case.negatives}
    case_turns: Turns = (None, None)
    for tracked in tracked_clocks(case, workflow, steps=(), case_clock=True):
        at = {m.level: m.at for m in marks(tracked.clock, tracked.ladder, calendar, now)}
        turns = (as_utc(at.get(Level.YELLOW)), as_utc(at.get(Level.RED)))
        if tracked.negative is not None:
            negatives[tracked.negative] = turns
        else:  # the promised and the acceptance clocks never run at once
            case_turns = turns
    return OwnTurns(case_turns, negatives)


def turn_updates(
    case: Case,
    workflow: Workflow,
    calendar: WorkingCalendar,
    now: dt.datetime,
    *,
    stored: dict[str, Turns],
) -> list[tuple[str, str, Turns]]:
    """The open step rows (`stored`: step → its moments as stored) whose yellow and red
    moments are not what the ladder says: (case, step, moments)."""
    wanted = turning(case, workflow, calendar, now, steps=list(stored))
    return [(case.id, step, turns) for step, turns in wanted.items() if stored[step] != turns]


def write_turns(session: Session, changes: list[tuple[str, str, Turns]]) -> None:
    """Store many steps' yellow and red moments in one statement."""
    rows = [{"case_id": c, "step_id": s, "yellow_at": y, "red_at": r} for c, s, (y, r) in changes]
    _update_each(session, StepRow.__tablename__, ("case_id", "step_id"), rows)


def write_own_turns(session: Session, changes: list[tuple[str, str, OwnTurns]]) -> None:
    """Store many cases' own clocks' moments, with the department answerable for the case
    clock: (case, owner, moments)."""
    cases = [
        {"id": c, "owner": o, "yellow_at": t.case[0], "red_at": t.case[1]} for c, o, t in changes
    ]
    _update_each(session, CaseRow.__tablename__, ("id",), cases)
    negatives = [
        {"id": n, "yellow_at": y, "red_at": r}
        for _, _, t in changes
        for n, (y, r) in t.negatives.items()
    ]
    _update_each(session, NegativeRow.__tablename__, ("id",), negatives)


def write_cases(session: Session, changes: list[tuple[str, dt.datetime | None]]) -> None:
    """Store many case clocks' index values in one statement."""
    rows = [{"id": c, "next_escalation_at": as_utc(n)} for c, n in changes]
    _update_each(session, CaseRow.__tablename__, ("id",), rows)


def case_next(
    case: Case,
    calendar: WorkingCalendar,
    nexts: dict[str, dt.datetime | None],
    *,
    stored: dt.datetime | None,
) -> dt.datetime | None:
    """The case row's index value: the soonest of its clocks' next levels (from `nexts`) and
    of its self-acting deadlines (`engine.escalation.lapses`); `stored` if none of its clocks
    was planned."""
    keys = [key for key in case_clock_keys(case) if key in nexts]
    if not keys:
        return as_utc(stored)
    moments = [nexts[key] for key in keys] + [lapse_at(case, calendar)]
    return as_utc(min((m for m in moments if m is not None), default=None))
