"""What users see of workflow definitions: the registry's versions and listing, a workflow's
plan (critical path vs steps in series), and the working calendar's answers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlmodel import Field, SQLModel

from engine.definitions.plan import MaterialCount, day_figure
from engine.views.cases import View

if TYPE_CHECKING:
    from engine.calendar import CalendarSet
    from engine.definitions.plan import Plan

Days = int | float  # working days: whole when whole, else a fraction of a day


class WorkflowVersionBase(SQLModel):
    """A registered workflow version's identity (the registry's table builds on it)."""

    workflow_id: str = Field(max_length=64, index=True)
    version: int
    title: str = Field(max_length=255)
    owner: str = Field(max_length=64)


class WorkflowVersionPublic(WorkflowVersionBase):
    """A registered version as the CLI and the API show it (without its source)."""

    sha256: str
    registered_at: dt.datetime
    retired_at: dt.datetime | None


class WorkflowSourceView(WorkflowVersionPublic):
    """A registered version with its source text (`definitions show --json`)."""

    source: str


class WorkflowListing(View):
    """A registered workflow: its versions and the one new cases use (None: all retired)."""

    workflow_id: str
    title: str
    current: int | None
    versions: list[int]


class StepPlanView(View):
    id: str
    title: str
    department: str
    matter: str | None
    kind: str
    when: str | None
    applies: bool | None  # None: no application given, so assumed to apply
    counted: bool
    limit: str
    start_day: Days
    finish_day: Days
    critical: bool


class DepartmentLoadView(View):
    department: str
    steps: list[str]
    days: Days  # the sum of its counted steps' limits


class MaterialCountView(View):
    """How many materials the applicant supplies, and how many are looked up instead in the
    licence library or a registry (减少收件材料)."""

    supplied: int
    library: int
    registry: int
    looked_up: int

    @classmethod
    def of(cls, count: MaterialCount | None) -> MaterialCountView | None:
        if count is None:
            return None
        return cls(
            supplied=count.supplied,
            library=count.library,
            registry=count.registry,
            looked_up=count.looked_up,
        )


class PathPlanView(View):
    """A path applications take (a case limit rule, or `rule` None: the workflow's own
    limits), its promise beside its critical path."""

    rule: int | None
    when: str | None
    promised_limit: str
    statutory_limit: str
    critical_path: list[str]
    critical_path_days: Days
    steps_in_series_days: Days
    taken: bool
    materials: MaterialCountView | None = None  # the most an application on it is asked


class PlanView(View):
    """A workflow's plan in working days: critical path, steps in series, handled separately."""

    workflow: str
    version: int
    data_given: bool
    statutory_limit: str
    promised_limit: str
    critical_path: list[str]
    critical_path_days: Days
    steps_in_series_days: Days
    handled_separately_days: Days
    handled_separately_matters: list[str]
    departments: list[DepartmentLoadView]
    steps: list[StepPlanView]
    paths: list[PathPlanView]
    materials: MaterialCountView | None = None

    @classmethod
    def of(cls, plan: Plan) -> PlanView:
        return cls(
            workflow=plan.workflow,
            version=plan.version,
            data_given=plan.data_given,
            statutory_limit=str(plan.statutory_limit),
            promised_limit=str(plan.promised_limit),
            critical_path=list(plan.critical_path),
            critical_path_days=day_figure(plan.critical_days),
            steps_in_series_days=day_figure(plan.serial_days),
            handled_separately_days=day_figure(plan.separate_days),
            handled_separately_matters=list(plan.separate_matters),
            departments=[
                DepartmentLoadView(
                    department=d.department, steps=list(d.steps), days=day_figure(d.days)
                )
                for d in plan.departments
            ],
            paths=[
                PathPlanView(
                    rule=p.rule,
                    when=p.when,
                    promised_limit=str(p.promised_limit),
                    statutory_limit=str(p.statutory_limit),
                    critical_path=list(p.critical_path),
                    critical_path_days=day_figure(p.critical_days),
                    steps_in_series_days=day_figure(p.serial_days),
                    taken=p.taken,
                    materials=MaterialCountView.of(p.materials),
                )
                for p in plan.paths
            ],
            materials=MaterialCountView.of(plan.materials),
            steps=[
                StepPlanView(
                    id=s.id,
                    title=s.title,
                    department=s.department,
                    matter=s.matter,
                    kind=s.kind,
                    when=s.when,
                    applies=s.applies,
                    counted=s.counted,
                    limit=str(s.limit),
                    start_day=day_figure(s.start),
                    finish_day=day_figure(s.finish),
                    critical=s.critical,
                )
                for s in plan.steps
            ],
        )


class DueView(View):
    """`calendar add`: the due moment of a limit, with its offset."""

    due: dt.datetime
    due_date: dt.date
    provisional: bool  # the year's holiday schedule is not yet published
    calendar: str


class DayView(View):
    """A day that is not what its weekday says: a holiday, or a make-up working day (调休);
    `layer` is the calendar file that names it (`cn`, or a region's `gx` for 壮族三月三)."""

    date: dt.date
    working: bool
    name: str
    layer: str


class YearView(View):
    """`calendar show --json`: one year of a calendar, its named days, and the layers (the
    calendar files, base first) whose schedule for the year is not yet published."""

    calendar: str
    name: str
    year: int
    provisional: bool
    unsettled_layers: list[str]
    working_days: int
    days: list[DayView]


class WorkingDaysView(View):
    """`calendar between`: working days after a start up to and including an end."""

    working_days: int
    provisional: bool
    calendar: str


def year_view(calendars: CalendarSet, calendar_id: str, year: int) -> YearView:
    """One year of a calendar as `calendar show --json`, the API and the calendar page give it
    (a year outside the calendar's range is refused)."""
    calendar = calendars.get(calendar_id)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    calendar.is_working_day(first)  # range check
    named = sorted({**calendar.schedule.off, **calendar.schedule.workdays}.items())
    return YearView(
        calendar=calendar.id,
        name=calendar.name,
        year=year,
        provisional=calendar.is_provisional(first, last),
        unsettled_layers=calendars.unsettled(calendar.id, year),
        working_days=calendar.working_days_in_year(year),
        days=[
            DayView(
                date=day,
                working=calendar.is_working_day(day),
                name=name,
                layer=calendars.layer_of(calendar.id, day),
            )
            for day, name in named
            if day.year == year
        ],
    )
