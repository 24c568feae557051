"""Which days are off and which are working, year by year, and which years are official.

A `Schedule` is plain data: exceptions to the Monday–Friday week (holidays falling on weekdays,
make-up working days 调休 falling on weekends) plus the set of years whose schedule has been
published. Building one from `holidays.China` happens at load time, never at query time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache


@dataclass
class Schedule:
    """Off days and make-up working days; `published` years are official, others estimated."""

    off: dict[dt.date, str] = field(default_factory=dict)
    workdays: dict[dt.date, str] = field(default_factory=dict)
    published: set[int] = field(default_factory=set)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.off:
            return False
        return day.weekday() < 5

    def set_off(self, day: dt.date, name: str) -> None:
        self.workdays.pop(day, None)
        self.off[day] = name

    def set_working(self, day: dt.date, name: str) -> None:
        self.off.pop(day, None)
        self.workdays[day] = name

    def replace_year(self, year: int) -> None:
        """Forget a year's exceptions, before an official schedule file supplies all of them."""
        for table in (self.off, self.workdays):
            for day in [d for d in table if d.year == year]:
                del table[day]


def _is_estimate(name: str) -> bool:
    """Days `holidays` adds by rule (observed, substituted) rather than by statute."""
    lowered = name.lower()
    return "observed" in lowered or "day off" in lowered


def national_schedule(*, first_year: int, last_year: int, official: range) -> Schedule:
    """A fresh copy of `_national` (the calendars that extend it change their own copy)."""
    base = _national(first_year, last_year, official)
    return Schedule(dict(base.off), dict(base.workdays), set(base.published))


@cache
def _national(first_year: int, last_year: int, official: range) -> Schedule:
    """China's national schedule from `holidays.China`.

    Years in `official` take the library's full published schedule (holidays, days off moved
    by 调休, make-up working days). Other years are estimates: the statutory holidays only,
    with no days moved and no make-up working days (docs/domain.md §working-days).
    """
    import holidays  # load time only; the library is slow to import and slower to query

    china = holidays.China(years=range(first_year, last_year + 1))
    schedule = Schedule()
    for day, name in china.items():
        if day.year in official or not _is_estimate(name):
            schedule.off[day] = name
    for day in china.weekend_workdays:
        if day.year in official:
            schedule.workdays[day] = "调休上班 make-up working day"
    schedule.published = {y for y in official if first_year <= y <= last_year}
    return schedule
