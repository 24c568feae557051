"""The dry run (试算) on the calendar: a step starts when the last step it needs ends, a step
that does not apply takes no time, and a date in a year not yet published is provisional."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from engine.calendar import Limit, WorkingCalendar
from engine.definitions import Workflow
from engine.definitions.dryrun import dry_run
from tests.fixtures.definitions import DEFINITIONS

TZ = ZoneInfo("Asia/Shanghai")
FIELDS = json.loads((DEFINITIONS / "samples" / "foreign-work-permit-exit-entry.json").read_text())[
    "fields"
]


def test_each_step_starts_when_its_needs_end_and_runs_its_whole_limit(
    workflows: dict[str, Workflow], gx: WorkingCalendar
) -> None:
    workflow = workflows["foreign-work-permit-exit-entry"]
    accepted = dt.datetime(2026, 4, 16, 9, 0, tzinfo=TZ)
    run = dry_run(workflow, gx, FIELDS, accepted)
    dates = {s.id: s for s in run.steps}
    for step in workflow.steps:
        got = dates[step.id]
        start = max((dates[n].due for n in step.needs), default=accepted)
        assert got.start == start
        if got.applies:
            assert got.due == gx.due(start, step.limit_for(workflow.field_values(FIELDS))).at
        else:
            assert got.due == start
    assert run.promised_due == gx.due(accepted, workflow.limits_for(FIELDS)[0]).at
    assert not run.provisional and not run.refusals


def test_three_march_three_and_spring_festival_2027(
    workflows: dict[str, Workflow], gx: WorkingCalendar
) -> None:
    workflow = workflows["construction-permit"]
    sanyuesan = dry_run(workflow, gx, {}, dt.datetime(2026, 4, 16, 9, 0, tzinfo=TZ))
    # review due Tuesday 04-21 (04-17 and 04-20: 壮族三月三), the decision the day after
    assert [s.due.date() for s in sanyuesan.steps] == [dt.date(2026, 4, 21), dt.date(2026, 4, 22)]
    festival = dry_run(workflow, gx, {}, dt.datetime(2027, 2, 3, 9, 0, tzinfo=TZ))
    assert festival.provisional  # 2027's schedule is not published yet: estimated
    review = festival.steps[0]
    assert review.due == gx.due(review.start, Limit.parse("1 working-days")).at
    assert review.provisional
