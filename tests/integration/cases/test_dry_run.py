"""A dry run's dates are the case engine's: a sample case driven through the real service, each
step approved at the moment it falls due, has every step due when the dry run said, on the
Guangxi calendar across its 壮族三月三 days off."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from engine.definitions.dryrun import dry_run
from engine.demo.driver import Driver
from tests.fixtures.cases import Clock, service_for
from tests.fixtures.definitions import DEFINITIONS

TZ = ZoneInfo("Asia/Shanghai")
THURSDAY_BEFORE_SANYUESAN = dt.datetime(2026, 4, 16, 9, 0, tzinfo=TZ)  # 04-17, 04-20 off


@pytest.mark.parametrize(
    "sample",
    [
        "utility-external-works",
        "foreign-work-permit-exit-entry",
    ],
)
def test_dry_run_dates_are_the_engines_when_every_step_takes_its_whole_limit(
    db: sa.Engine, sample: str
) -> None:
    clock = Clock(THURSDAY_BEFORE_SANYUESAN)
    service = service_for(db, clock)
    application = json.loads((DEFINITIONS / "samples" / f"{sample}.json").read_text())
    workflow = service.workflows(application["workflow"], None)
    planned = dry_run(
        workflow,
        service.calendars.get(workflow.calendar),
        application["fields"],
        THURSDAY_BEFORE_SANYUESAN,
    )
    driver = Driver(service)
    view = driver.accept(service.submit(workflow.id, application), workflow)
    assert view.promised is not None and view.statutory is not None
    assert (view.promised.due, view.statutory.due) == (planned.promised_due, planned.statutory_due)
    seen: dict[str, dt.datetime] = {}
    while view.status == "in-progress":
        active = [s for s in view.steps if s.status == "active" and s.clock is not None]
        seen.update({s.id: s.clock.due for s in active if s.clock is not None})
        first = min(active, key=lambda s: (s.clock.due if s.clock else clock.now, s.id))
        assert first.clock is not None
        clock.now = first.clock.due  # the step uses its whole limit
        view = driver.complete(view, workflow.step(first.id))
    assert view.status == "completed"
    expected = {s.id: s.due for s in planned.steps if s.applies}
    assert seen == expected
    assert max(expected.values()) > THURSDAY_BEFORE_SANYUESAN + dt.timedelta(days=1)
