"""The statutory clock (法定时限): one limit running from a start, with its stops and extensions.

Time is measured on the calendar's working-minute axis. A suspension (Art. 45 expert review,
testing, hearing; 补正 correction) stops the clock: its working time is not counted and the
remaining time is preserved. For limits counted in days a stop moves the deadline by whole
working days (rounded up, so a stop never shortens a limit); for working-hours limits, by the
minutes it lasted. An extension (Art. 42) adds working days. A clock is immutable: each change
returns a new clock, and every reading takes `now` as an argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

from engine.calendar.units import Limit, Unit
from engine.calendar.working import WorkingCalendar
from engine.errors import InputError


@dataclass(frozen=True)
class Suspension:
    """A stop of the clock; `end` is None while it lasts (中止计时)."""

    start: dt.datetime
    reason: str
    end: dt.datetime | None = None


@dataclass(frozen=True)
class Extension:
    """An extension of the limit by working days, with the reason told to the applicant (延期)."""

    days: int
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class ClockReading:
    """What a clock says at one moment: every figure a user sees comes from here."""

    due: dt.datetime
    provisional: bool
    suspended: bool
    remaining_minutes: int  # working minutes left (0 when overdue)
    remaining_working_days: int  # working days after today up to the due date
    overdue_minutes: int  # working minutes past due (0 when not overdue)
    overdue_working_days: int
    fraction_elapsed: float  # of the countable time; above 1.0 when overdue

    @property
    def overdue(self) -> bool:
        return self.overdue_minutes > 0


@dataclass(frozen=True)
class StatutoryClock:
    """A limit counted from `start`, with its suspensions and extensions."""

    start: dt.datetime
    limit: Limit
    suspensions: tuple[Suspension, ...] = ()
    extensions: tuple[Extension, ...] = ()

    @property
    def suspended(self) -> bool:
        return bool(self.suspensions) and self.suspensions[-1].end is None

    @property
    def extended_days(self) -> int:
        return sum(e.days for e in self.extensions)

    def suspend(self, at: dt.datetime, reason: str) -> StatutoryClock:
        if self.suspended:
            raise InputError("the clock is already stopped")
        if at < self.start:
            raise InputError("a clock cannot stop before it starts")
        return replace(self, suspensions=(*self.suspensions, Suspension(at, reason)))

    def resume(self, at: dt.datetime) -> StatutoryClock:
        if not self.suspended:
            raise InputError("the clock is not stopped")
        last = self.suspensions[-1]
        if at < last.start:
            raise InputError("a clock cannot resume before it stopped")
        return replace(self, suspensions=(*self.suspensions[:-1], replace(last, end=at)))

    def extend(self, days: int, reason: str, at: dt.datetime) -> StatutoryClock:
        if days <= 0:
            raise InputError(f"an extension needs a positive number of working days ({days})")
        if not reason.strip():
            raise InputError("an extension needs a reason told to the applicant (Art. 42)")
        return replace(self, extensions=(*self.extensions, Extension(days, reason, at)))

    def stopped_minutes(self, calendar: WorkingCalendar, now: dt.datetime) -> int:
        total = 0
        for stop in self.suspensions:
            end = stop.end or max(now, stop.start)
            total += max(0, calendar.position(end) - calendar.position(stop.start))
        return total

    def due_position(self, calendar: WorkingCalendar, now: dt.datetime) -> tuple[int, bool]:
        """The deadline on the working-minute axis (as if resumed at `now` while stopped)."""
        base = calendar.due(self.start, self.limit)
        stopped = self.stopped_minutes(calendar, now)
        if self.limit.unit is not Unit.WORKING_HOURS:
            stopped = -(-stopped // calendar.day_minutes) * calendar.day_minutes
        moved = stopped + self.extended_days * calendar.day_minutes
        return calendar.position(base.at) + moved, base.provisional

    def read(self, calendar: WorkingCalendar, now: dt.datetime) -> ClockReading:
        """The clock's figures at `now` (a clock and a calendar never change, so a reading
        repeated at the same moment — the view, the step rows, the ladder — is remembered)."""
        return _reading(self, calendar, now)

    def _read(self, calendar: WorkingCalendar, now: dt.datetime) -> ClockReading:
        due_pos, provisional = self.due_position(calendar, now)
        due = calendar.instant(due_pos)
        now_pos = calendar.position(max(now, self.start))
        start_pos = calendar.position(self.start)
        stopped = self.stopped_minutes(calendar, now)
        countable = max(1, due_pos - start_pos - stopped)
        counted = max(0, now_pos - start_pos - stopped)
        overdue = max(0, now_pos - due_pos)
        now_day = calendar.local(now).date()
        return ClockReading(
            due=due,
            provisional=provisional or calendar.is_provisional(self.start.date(), due.date()),
            suspended=self.suspended,
            remaining_minutes=max(0, due_pos - now_pos),
            remaining_working_days=max(0, calendar.working_days_between(now_day, due.date())),
            overdue_minutes=overdue,
            overdue_working_days=(
                max(0, calendar.working_days_between(due.date(), now_day)) if overdue else 0
            ),
            fraction_elapsed=counted / countable,
        )


@lru_cache(maxsize=4096)
def _reading(clock: StatutoryClock, calendar: WorkingCalendar, now: dt.datetime) -> ClockReading:
    return clock._read(calendar, now)
