"""A dry run (试算): a workflow's dates for one application on the real working-day calendar,
before anything is registered or submitted.

Accepted at `accepted`, every step that applies starts when the last step it needs ends and
takes its whole limit (the latest the definition allows), read from the same statutory clock
the case engine starts for it; a step that does not apply ends where its needs end (the engine
skips it at once). The case's promised and statutory deadlines are those the acceptance notice
states; a step not counted toward them (publication, the applicant's own exam) is marked, as
its time stops the case's clocks instead of using them (docs/domain.md §case-clocks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.calendar import Limit, StatutoryClock, WorkingCalendar
from engine.definitions import graph
from engine.definitions.model import Workflow


@dataclass(frozen=True)
class StepDates:
    id: str
    title: str
    department: str
    applies: bool
    counted: bool
    limit: Limit
    start: dt.datetime  # local time in the calendar's zone
    due: dt.datetime  # for a step that does not apply: where its needs end
    provisional: bool  # depends on a year whose holidays are not yet published


@dataclass(frozen=True)
class DryRun:
    workflow: str
    version: int
    calendar: str
    accepted: dt.datetime
    promised_limit: Limit
    statutory_limit: Limit
    promised_due: dt.datetime
    statutory_due: dt.datetime
    steps: tuple[StepDates, ...]
    refusals: tuple[str, ...]  # 不予受理: the application would be refused at acceptance

    @property
    def provisional(self) -> bool:
        return any(s.provisional for s in self.steps if s.applies)


def due(calendar: WorkingCalendar, start: dt.datetime, limit: Limit) -> tuple[dt.datetime, bool]:
    """When `limit` from `start` ends, as the case engine's clock reads it (and provisional?)."""
    reading = StatutoryClock(start, limit).read(calendar, start)
    return calendar.local(reading.due), reading.provisional


def dry_run(
    workflow: Workflow,
    calendar: WorkingCalendar,
    values: Mapping[str, Any],
    accepted: dt.datetime,
) -> DryRun:
    """Every step's start and due date for an application with these field `values`,
    accepted at `accepted` (raises `CalendarError` beyond the calendar's years)."""
    filled = workflow.field_values(values)
    accepted = calendar.local(accepted)
    steps = {s.id: s for s in workflow.steps}
    needs = {s.id: [n for n in s.needs if n in steps] for s in workflow.steps}
    promised, statutory = workflow.limits_for(filled)
    promised_due, _ = due(calendar, accepted, promised)
    statutory_due, _ = due(calendar, accepted, statutory)
    ends: dict[str, dt.datetime] = {}
    found: list[StepDates] = []
    for step_id in graph.running_order(needs):
        step = steps[step_id]
        start = max((ends[n] for n in needs[step_id]), default=accepted)
        applies = step.applies(filled)
        limit = step.limit_for(filled)
        end, provisional = due(calendar, start, limit) if applies else (start, False)
        ends[step_id] = end
        found.append(
            StepDates(
                id=step.id,
                title=step.title,
                department=step.department,
                applies=applies,
                counted=step.is_counted,
                limit=limit,
                start=start,
                due=end,
                provisional=provisional,
            )
        )
    return DryRun(
        workflow=workflow.id,
        version=workflow.version,
        calendar=calendar.id,
        accepted=accepted,
        promised_limit=promised,
        statutory_limit=statutory,
        promised_due=promised_due,
        statutory_due=statutory_due,
        steps=tuple(found),
        refusals=tuple(r.reason for r in workflow.refusals_for(filled)),
    )
