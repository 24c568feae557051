"""The escalation ladder of one clock, as instants on the working calendar.

A rung fires at a share of the countable time (`90%`) or at the deadline moved by working time
(`deadline - 1 working-days`); a level fires at the earliest of its rungs (docs/domain.md
§supervision: yellow at 90% or one working day before the deadline, whichever comes first),
and never before its clock started (`fires_at`). A stopped clock does not escalate. Pure:
clock, ladder, calendar and `now` are all arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.calendar import StatutoryClock, Unit, WorkingCalendar
from engine.definitions.escalation import Level, Rung, Trigger

LEVEL_ORDER = tuple(Level)


@dataclass(frozen=True)
class Mark:
    """When one level of the ladder fires, and who hears of it."""

    level: Level
    at: dt.datetime
    notify: tuple[str, ...]


def _offset_minutes(trigger: Trigger, calendar: WorkingCalendar) -> int:
    if trigger.offset is None:
        return 0
    limit = trigger.offset
    minutes = limit.value * (60 if limit.unit is Unit.WORKING_HOURS else calendar.day_minutes)
    return -minutes if trigger.before else minutes


def positions(
    clock: StatutoryClock, ladder: Sequence[Rung], calendar: WorkingCalendar, now: dt.datetime
) -> dict[Level, tuple[int, tuple[str, ...]]]:
    """Each level's earliest rung on the working-minute axis, with its recipients."""
    due_pos, _ = clock.due_position(calendar, now)
    start = calendar.position(clock.start)
    stopped = clock.stopped_minutes(calendar, now)
    countable = due_pos - start - stopped
    earliest: dict[Level, tuple[int, tuple[str, ...]]] = {}
    for rung in ladder:
        trigger = rung.at
        if trigger.percent is None:
            position = due_pos + _offset_minutes(trigger, calendar)
        else:  # the share of the countable time, after the time the clock stood still
            position = start + stopped + -(-countable * trigger.percent // 100)
        position = max(start, position)
        known = earliest.get(rung.level)
        if known is None or position < known[0]:
            earliest[rung.level] = (position, tuple(rung.notify))
    return earliest


def fires_at(clock: StatutoryClock, calendar: WorkingCalendar, position: int) -> dt.datetime:
    """The moment a level at working-minute `position` fires: the earliest moment, at or after
    the clock's start, at which that much working time has run.

    `WorkingCalendar.instant` gives the earliest moment of a position (a working day's end is
    its close, 17:30), which lies before the start when the clock started out of hours (a
    case accepted at 22:44, on a rest day, before opening) and the rung sits at the start's
    own position (a same-day step's `deadline - 1 working-days`). Such a level is due from the
    start: it fires then, on time, not as one missed while the system was down.
    """
    return max(calendar.instant(position), calendar.local(clock.start))


def marks(
    clock: StatutoryClock, ladder: Sequence[Rung], calendar: WorkingCalendar, now: dt.datetime
) -> list[Mark]:
    """Each level's firing instant, in ladder order; none while the clock is stopped."""
    if clock.suspended:
        return []
    earliest = positions(clock, ladder, calendar, now)
    return [
        Mark(level, fires_at(clock, calendar, earliest[level][0]), earliest[level][1])
        for level in LEVEL_ORDER
        if level in earliest
    ]


def next_at(all_marks: Iterable[Mark], fired: set[Level]) -> dt.datetime | None:
    """When the next level not yet fired fires (the indexed `next escalation at`)."""
    pending = [m.at for m in all_marks if m.level not in fired]
    return min(pending) if pending else None
