"""The overview's forecast (what turns yellow or red by the week's close) counts ranges over
the moments each open step row holds, and agrees with the sweep's dry run at the week's close:
the same steps, levels and moments, the full count however many, the most urgent first."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from engine.cases.overview import FORECAST_LEVELS, end_of_working_week, overview
from engine.cases.service import CaseService
from engine.cases.tables import StepRow
from engine.definitions import load_catalogue
from engine.demo.driver import Driver, officer_name
from engine.escalation.sweep import Supervision
from tests.fixtures.cases import Clock, service_for
from tests.fixtures.definitions import DEFINITIONS

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 12, 7, 9, 0, tzinfo=TZ)
Level = tuple[str, str, str, dt.datetime, dt.datetime]  # case, step, level, at, due


def seeded(db: sa.Engine, clock: Clock) -> tuple[CaseService, Supervision]:
    """Cases accepted Tuesday to Monday (levels due on different days, some already fired),
    one with its first step decided and one with a step suspended; swept at Monday 10:00."""
    clock.now = MONDAY - dt.timedelta(days=6)
    service = service_for(db, clock)
    supervision = Supervision(service, catalogue=load_catalogue(DEFINITIONS))
    for n, hours in enumerate((0, 60, 100, 126, 146, 150)):
        sample = ("foreign-work-permit-exit-entry", "utility-external-works")[n % 2]
        application = json.loads((DEFINITIONS / "samples" / f"{sample}.json").read_text())
        clock.now = MONDAY - dt.timedelta(days=6) + dt.timedelta(hours=hours)
        workflow = service.workflows(application["workflow"], None)
        view = Driver(service).accept(service.submit(workflow.id, application), workflow)
        first = workflow.step(next(s.id for s in view.steps if s.status == "active"))
        if n == 2 and first.signers is not None and first.draw is None:
            Driver(service).complete(view, first)
        if n == 3:
            reviewer = officer_name(first.department, "reviewer")
            service.act(
                view.id, "suspend", actor=reviewer, args={"step": first.id, "reason": "专家评审"}
            )
    clock.now = MONDAY + dt.timedelta(hours=1)
    supervision.sweep()
    return service, supervision


def dry_run_forecast(service: CaseService, supervision: Supervision) -> list[Level]:
    """The step levels turning yellow or red after now and by the week's close, as the sweep's
    dry run there lists them, soonest first."""
    now = service.clock()
    week_end = end_of_working_week(service.calendars.get("gx"), now)
    levels = [
        (f.case, f.step, f.level, f.scheduled_at, f.due)
        for f in supervision.sweep(at=week_end, dry_run=True).view().fired
        if f.level in FORECAST_LEVELS and f.step is not None and f.scheduled_at > now
    ]
    return sorted(levels, key=lambda f: (f[3], f[0], f[1], FORECAST_LEVELS.index(f[2])))


def test_the_week_forecast_is_the_sweeps_dry_run_at_the_weeks_close(db: sa.Engine) -> None:
    service, supervision = seeded(db, Clock(MONDAY))
    expected = dry_run_forecast(service, supervision)
    levels = {f[2] for f in expected}
    assert levels == {"yellow", "red"} and len({f[0] for f in expected}) >= 3
    whole = overview(service, most_urgent=len(expected) + 5)
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
    service, supervision = seeded(db, Clock(MONDAY))
    before = overview(service, most_urgent=100)
    with db.begin() as connection:  # as the migration leaves the rows of open steps
        connection.execute(sa.update(StepRow).values(yellow_at=None, red_at=None))
    assert overview(service).turning_yellow == 0
    service.recompute_deadlines()  # moves only the suspended step's due time
    after = overview(service, most_urgent=100)
    assert (after.turning_yellow, after.turning_red) == (before.turning_yellow, before.turning_red)
    assert after.forecast == before.forecast and before.turning_yellow > 0
