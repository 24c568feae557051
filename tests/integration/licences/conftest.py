"""The licence library over real databases: the shipped workflows that issue and read
certificates, the registries' sample records seeded, and the bureau's officers."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.service import CaseService
from engine.licences.sources import seed
from tests.fixtures.cases import TZ, Clock
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.licences import library_service


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ))


@pytest.fixture
def service(db: sa.Engine, clock: Clock, calendars: CalendarSet) -> CaseService:
    seed(db, definitions=DEFINITIONS)
    svc = library_service(db, clock, calendars)
    for name, role, department in [
        ("wang", "window", "approval-bureau"),
        ("chen", "reviewer", "approval-bureau"),
        ("zhou", "head", "approval-bureau"),
        ("li", "leader", "approval-bureau"),
    ]:
        Accounts(svc.engine, clock=svc.clock).add(name, role=role, department=department)
    return svc
