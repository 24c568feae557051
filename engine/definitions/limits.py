"""Limits inside definition files (`limit: 20 working-days`) and their working-day figures.

Plans and checks compare limits in working days: `same-day` is 0, working hours count as many to
the day as the calendars' default business hours hold (7: 09:00–12:00 and 13:30–17:30), and a
natural-day limit counts as its own number — an upper bound, since N natural days never hold
more than N working days. Natural days are only compared with natural days.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Annotated

from engine.calendar.units import Limit, Unit
from engine.calendar.working import DEFAULT_HOURS, WorkingCalendar
from engine.definitions.base import DefinitionModel
from engine.definitions.textform import TextForm

HOURS_PER_WORKING_DAY = Fraction(sum(end - start for start, end in DEFAULT_HOURS), 60)

LimitText = Annotated[
    Limit,
    TextForm(
        Limit.parse,
        Limit,
        description="a time limit: a whole number and a unit, or same-day (当场办结)",
        pattern=r"^(same-day|\d+ (working-days|natural-days|working-hours))$",
        examples=("20 working-days", "same-day", "4 working-hours", "15 natural-days"),
    ),
]
"""A `Limit` written as text in YAML and JSON."""


def working_days(limit: Limit) -> Fraction:
    """The limit as working days: 0 for same-day, hours by the business day, natural days as an
    upper bound."""
    if limit.unit is Unit.SAME_DAY:
        return Fraction(0)
    if limit.unit is Unit.WORKING_HOURS:
        return limit.value / HOURS_PER_WORKING_DAY
    return Fraction(limit.value)


def exceeds(limit: Limit, bound: Limit) -> bool:
    """Whether `limit` is surely longer than `bound` (natural days compare only with themselves)."""
    if (limit.unit is Unit.NATURAL_DAYS) != (bound.unit is Unit.NATURAL_DAYS):
        return False
    return working_days(limit) > working_days(bound)


def format_days(days: Fraction) -> str:
    """`same-day`, `1 working day`, `2.5 working days`."""
    if days == 0:
        return "same-day"
    number = str(days.numerator) if days.denominator == 1 else f"{float(days):g}"
    return f"{number} working day" + ("" if days == 1 else "s")


class CalendarReach(DefinitionModel):
    """How far a calendar can count from the end of its last published year (`since`) to the
    end of its range: a case accepted before the next schedule is out counts from about there,
    so a longer limit could never be counted."""

    since: dt.date
    until: dt.date
    working_days: int
    natural_days: int

    def holds(self, limit: Limit) -> bool:
        """Whether `limit`, counted from `since`, ends within the calendar."""
        if limit.unit is Unit.NATURAL_DAYS:
            return limit.value <= self.natural_days
        return working_days(limit) <= self.working_days

    def __str__(self) -> str:
        return (
            f"from {self.since.isoformat()} (the end of its last published year) to "
            f"{self.until.isoformat()} it counts {self.working_days} working days"
        )


def calendar_reach(calendar: WorkingCalendar) -> CalendarReach:
    """The reach of `calendar` (see `CalendarReach`)."""
    published = [y for y in calendar.schedule.published if calendar.first.year <= y]
    since = dt.date(max(published), 12, 31) if published else calendar.first
    since = min(max(since, calendar.first), calendar.last)
    days = max(calendar.working_days_between(since, calendar.last), 0)
    last_working = calendar.add_working_days(since, days) if days else since
    return CalendarReach(
        since=since,
        until=calendar.last,
        working_days=days,
        natural_days=(last_working - since).days,
    )
