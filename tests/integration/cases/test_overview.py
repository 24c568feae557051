"""The overview's forecast (what turns yellow or red by the week's close) counts ranges over
the moments the rows hold (open steps, the cases' own clocks, negative matters' decisions),
and agrees with the sweep's dry run at the week's close: the same clocks, levels and moments,
the full count however many, the most urgent first."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engine.cases.forecast import FORECAST_LEVELS, end_of_working_week
from engine.cases.overview import overview
from engine.cases.service import CaseService
from engine.cases.tables import StepRow
from engine.escalation.sweep import Supervision
from tests.fixtures.cases import Clock
from tests.fixtures.week import MONDAY, seeded_week

Level = tuple[str, str | None, str, dt.datetime, dt.datetime]  # case, step, level, at, due


def dry_run_forecast(service: CaseService, supervision: Supervision) -> list[Level]:
    """The levels turning yellow or red after now and by the week's close, as the sweep's dry
    run there lists them (a step's, or the case's own clocks' with no step), soonest first."""
    now = service.clock()
    week_end = end_of_working_week(service.calendars.get("gx"), now)
    levels = [
        (f.case, f.step, f.level, f.scheduled_at, f.due)
        for f in supervision.sweep(at=week_end, dry_run=True).view().fired
        if f.level in FORECAST_LEVELS and f.scheduled_at > now
    ]
    return sorted(levels, key=lambda f: (f[3], f[0], f[1] or "", FORECAST_LEVELS.index(f[2])))


def test_the_week_forecast_is_the_sweeps_dry_run_at_the_weeks_close(db: sa.Engine) -> None:
    service, supervision = seeded_week(db, Clock(MONDAY))
    expected = dry_run_forecast(service, supervision)
    levels = {f[2] for f in expected}
    assert levels == {"yellow", "red"} and len({f[0] for f in expected}) >= 3
    whole = overview(service, most_urgent=len(expected) + 5)
    # the steps', the promised clock's, the acceptance window's and the leader's decision's
    assert {f.clock for f in whole.forecast} == {"step", "case", "acceptance", "negative"}
    assert whole.turning_yellow == sum(f[2] == "yellow" for f in expected)
    assert whole.turning_red == sum(f[2] == "red" for f in expected)
    assert [(f.case, f.step, f.level, f.scheduled_at, f.due) for f in whole.forecast] == expected
    few = overview(service, most_urgent=2)  # the full count, the two soonest listed
    assert (few.turning_yellow, few.turning_red) == (whole.turning_yellow, whole.turning_red)
    assert [(f.case, f.step, f.level) for f in few.forecast] == [f[:3] for f in expected[:2]]
    department = whole.forecast[-1].department
    mine = overview(service, department=department, most_urgent=100)
    assert mine.forecast == [f for f in whole.forecast if f.department == department]
    assert mine.turning_yellow + mine.turning_red == len(mine.forecast) < len(expected)


def test_steps_written_before_their_moments_were_kept_get_them_from_recompute(
    db: sa.Engine,
) -> None:
    """After the migration adding the moments, `case recompute` fills those of open steps."""
    service, supervision = seeded_week(db, Clock(MONDAY))
    before = overview(service, most_urgent=100)
    with db.begin() as connection:  # as the migration leaves the rows of open steps
        connection.execute(sa.update(StepRow).values(yellow_at=None, red_at=None))
    assert all(f.clock != "step" for f in overview(service, most_urgent=100).forecast)
    service.recompute_deadlines()  # moves only the suspended step's due time
    after = overview(service, most_urgent=100)
    assert (after.turning_yellow, after.turning_red) == (before.turning_yellow, before.turning_red)
    assert after.forecast == before.forecast and before.turning_yellow > 0
