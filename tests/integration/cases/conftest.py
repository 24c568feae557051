"""The case service over real databases (`db`: a SQLite file and a fresh PostgreSQL database)
with the road-works workflow, a clock the test moves, and the officers who act on it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.service import CaseService
from engine.definitions.model import Workflow
from tests.fixtures.cases import TZ, Clock
from tests.fixtures.road_works import road_works


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ))


@pytest.fixture
def service(db: sa.Engine, clock: Clock, calendars: CalendarSet) -> CaseService:
    workflow = Workflow.model_validate(road_works())
    svc = CaseService(db, workflows=lambda _id, _v: workflow, calendars=calendars, clock=clock)
    for name, role, department in [
        ("wang", "window", "bureau"),
        ("li", "leader", "bureau"),
        ("chen", "reviewer", "bureau"),
        ("zhou", "head", "bureau"),
        ("liu", "reviewer", "municipal"),
        ("ma", "reviewer", "municipal"),
        ("zhao", "reviewer", "traffic-police"),
        ("sun", "head", "traffic-police"),
    ]:
        Accounts(svc.engine, clock=svc.clock).add(name, role=role, department=department)
    return svc
