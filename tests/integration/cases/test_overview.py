"""The overview's forecast (what turns yellow or red by the week's close) is the sweep's dry
run over the cases whose next level comes soonest, read from the index: with room for every
case it is the dry run over the whole database; with room for one, the soonest case's."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from engine.cases.overview import FORECAST_LEVELS, end_of_working_week, overview
from engine.definitions import load_catalogue
from engine.demo.driver import Driver
from engine.escalation.sweep import Supervision
from tests.fixtures.cases import Clock, service_for
from tests.fixtures.definitions import DEFINITIONS

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 12, 7, 9, 0, tzinfo=TZ)


def test_the_forecast_is_the_week_ends_dry_sweep_of_the_soonest_cases(db: sa.Engine) -> None:
    clock = Clock(MONDAY - dt.timedelta(days=3))
    service = service_for(db, clock)
    supervision = Supervision(service, catalogue=load_catalogue(DEFINITIONS))
    application = json.loads(
        (DEFINITIONS / "samples" / "foreign-work-permit-exit-entry.json").read_text()
    )
    workflow = service.workflows(application["workflow"], None)
    for hours in (0, 30, 50, 75):  # accepted Friday to Monday: levels due on different days
        clock.now = MONDAY - dt.timedelta(days=3) + dt.timedelta(hours=hours)
        Driver(service).accept(service.submit(workflow.id, application), workflow)
    clock.now = MONDAY + dt.timedelta(hours=1)
    supervision.sweep()
    week_end = end_of_working_week(service.calendars.get("gx"), clock.now)
    whole = [
        f
        for f in supervision.sweep(at=week_end, dry_run=True).view().fired
        if f.level in FORECAST_LEVELS and f.scheduled_at > clock.now
    ]
    assert len({f.case for f in whole}) >= 2  # more than one case turns this week
    seen = overview(service, supervision, forecast_cases=100)
    assert sorted(seen.forecast, key=repr) == sorted(whole, key=repr)
    soonest = overview(service, supervision, forecast_cases=1).forecast
    first = min(whole, key=lambda f: f.scheduled_at)
    assert soonest and {f.case for f in soonest} == {first.case}
