"""The APScheduler job: started by the service, it sweeps at once (levels missed while the
service was down fire on start) and then every interval."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.clock import system_now
from engine.escalation.fired import Fired
from engine.escalation.scheduler import JOB_ID, start_sweeper
from engine.escalation.sweep import Supervision, SweepReport
from engine.settings import SettingsError, read_settings
from tests.fixtures.cases import Clock
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import USERS, at, catalogue, make_service, supervised_workflow


def test_the_job_sweeps_on_start_and_then_each_interval(
    tmp_path: Any, calendars: CalendarSet
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    from sqlmodel import SQLModel

    SQLModel.metadata.create_all(engine)
    service = make_service(engine, calendars, supervised_workflow())
    clock = Clock(at(9, 29, 10, 0))
    service.clock = clock
    for name, role, department in USERS:
        Accounts(service.engine, clock=service.clock).add(name, role=role, department=department)
    case_id = service.submit("road-works", APPLICATION).id
    service.act(case_id, "accept", actor="wang")
    clock.now = at(10, 12)  # the service was down across every level so far
    reports: list[SweepReport] = []
    fired: list[list[Fired]] = [[]]  # the levels of each sweep, handed over as they fire
    two = threading.Event()

    def seen(report: SweepReport) -> None:
        reports.append(report)
        fired.append([])
        if len(reports) >= 2:
            two.set()

    supervision = Supervision(service, catalogue=catalogue("http://127.0.0.1:9/hook"))
    scheduler = start_sweeper(
        supervision,
        seconds=0.05,
        first_at=system_now(),  # the scheduler's wall time, not the service's frozen clock
        scheduler=BackgroundScheduler(),
        on_sweep=seen,
        on_fired=lambda level: fired[-1].append(level),
    )
    try:
        assert two.wait(timeout=10)
        assert scheduler.get_job(JOB_ID) is not None
    finally:
        scheduler.shutdown()
    first = sorted((f.step_id, f.level) for f in fired[0])
    assert ("municipal", "supervision") in first and ("traffic", "red") in first
    assert reports[0].levels == len(fired[0]) and reports[0].fired == []  # none kept
    ladder = [f for f in fired[0] if not f.level.startswith("reminder")]
    assert ladder and all(f.late_by is not None for f in ladder)
    assert reports[1].levels == 0 and fired[1] == []
    engine.dispose()


def test_the_interval_comes_from_the_environment() -> None:
    assert read_settings({}).sweep_seconds == 60
    assert read_settings({"ONETHING_SWEEP_SECONDS": "15"}).sweep_seconds == 15
    with pytest.raises(SettingsError, match="ONETHING_SWEEP_SECONDS"):
        read_settings({"ONETHING_SWEEP_SECONDS": "0"})
