"""The case service over real databases: a SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from engine.access.accounts import Accounts
from engine.calendar import load_calendars
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow
from engine.definitions.model import Workflow
from tests.unit.cases.conftest import road_works

ROOT = Path(__file__).resolve().parents[3]
TZ = dt.timezone(dt.timedelta(hours=8))


class Clock:
    """A clock the test moves by hand (the service is handed it; nothing reads the wall)."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        engine = sa.create_engine(
            f"sqlite:///{tmp_path / 'cases.db'}", connect_args={"timeout": 30}
        )
    else:
        engine = sa.create_engine(request.getfixturevalue("postgres_server_url"), pool_size=10)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ))


@pytest.fixture
def service(db: sa.Engine, clock: Clock) -> CaseService:
    workflow = Workflow.model_validate(road_works())
    calendars = load_calendars(ROOT / "definitions" / "calendars")
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


APPLICATION: dict[str, Any] = {
    "applicant": {"name": "张三", "credit_code": "91450200MA5K000000"},
    "fields": {"length_m": 120},
    "materials": {
        "application-form": "d1",
        "site-plan": "d2",
        "id-card": "d3",
        "traffic-plan": "d4",
        "safety-pledge": "d5",
    },
}


def accepted(service: CaseService) -> str:
    """A road-works case, submitted and accepted: its parallel reviews are active."""
    case_id = service.submit("road-works", APPLICATION)["id"]
    service.act(case_id, "accept", actor="wang")
    return case_id


def stored(service: CaseService, case_id: str) -> tuple[int, int, str]:
    """The case row as stored: its version, its number of events and its snapshot."""
    with Session(service.engine) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        return row.version, row.event_count, row.snapshot
