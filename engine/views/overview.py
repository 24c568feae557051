"""The operators' overview (运行总览) as pages and clients see it: counts from the database,
moments in the calendar's zone."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from engine.views.cases import View


class DepartmentLights(View):
    """A department's open steps by traffic light (green: on time; yellow: warned; red:
    overdue)."""

    department: str
    green: int
    yellow: int
    red: int

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red


class DepartmentVerifying(View):
    """A department's window tasks to verify a material (待核验): how many, and how many past
    their Art. 32 window."""

    department: str
    total: int
    overdue: int


class OverdueStep(View):
    case: str
    step: str
    department: str
    due: dt.datetime
    overdue_working_days: int


class TurningStep(View):
    """A clock whose ladder turns it yellow or red at `scheduled_at` (the level the sweep
    fires then): an open step's, or the case's own (`step` None)."""

    case: str
    step: str | None
    clock: Literal["step", "case", "acceptance", "negative"] = "step"
    department: str
    level: str  # yellow or red
    scheduled_at: dt.datetime
    due: dt.datetime


class OverviewView(View):
    at: dt.datetime
    by_status: dict[str, int]
    departments: list[DepartmentLights]
    verifying: list[DepartmentVerifying]  # the windows' tasks to verify, by department
    closed: int
    closed_on_time: int  # closed without a red level on any of its clocks
    most_overdue: list[OverdueStep]
    week_end: dt.datetime  # the close of this working week: the forecast's horizon
    turning_yellow: int  # clocks turning yellow after `at` and by `week_end`
    turning_red: int  # and turning red
    forecast: list[TurningStep]  # the most urgent of them, soonest first

    @property
    def on_time_rate(self) -> float | None:
        return self.closed_on_time / self.closed if self.closed else None
