"""The case service the served flows run on in these tests (`ONETHING_SERVICE_FACTORY`).

A ride-hailing-like workflow whose two background checks are the shipped connectors, held
like a slow registry until the test releases the case's checks (`release`; at most
`ONETHING_TEST_CHECK_HOLD` seconds), and a workflow whose check cannot connect. Every connector
call is counted in `test_connector_calls`; the side effects (the registry's query log) are
counted by the tests.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from engine.calendar import load_calendars
from engine.cases.service import CaseService
from engine.clock import system_now
from engine.connectors import background, traffic_record
from engine.definitions.model import Workflow
from engine.draw.book import RosterBook
from engine.draw.drawer import Drawer

ROOT = Path(__file__).resolve().parents[3]
OWNER = "approval-bureau"
DRAW_KEY = bytes.fromhex("3c" * 32)  # the served draws' sealing key in these tests


class ConnectorCall(SQLModel, table=True):
    __tablename__ = "test_connector_calls"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    started: dt.datetime
    finished: dt.datetime | None = None


class CheckRelease(SQLModel, table=True):
    """A case whose held checks may answer."""

    __tablename__ = "test_check_releases"

    case_id: str = Field(primary_key=True)


def release(database: sa.Engine, case_id: str) -> None:
    """Let the case's checks answer, now and when they are called again."""
    with Session(database) as session:
        session.merge(CheckRelease(case_id=case_id))
        session.commit()


def _held(database: sa.Engine, case_id: str) -> None:
    """Wait (bounded) until the test releases the case's checks."""
    deadline = time.monotonic() + float(os.environ.get("ONETHING_TEST_CHECK_HOLD", "30"))
    while time.monotonic() < deadline:
        with Session(database) as session:
            if session.get(CheckRelease, case_id) is not None:
                return
        time.sleep(0.05)
    raise TimeoutError(f"case {case_id}: the test never released its checks")


def _step(step_id: str, department: str, connector: str) -> dict[str, Any]:
    return {
        "id": step_id,
        "title": step_id,
        "department": department,
        "kind": "check",
        "limit": "same-day",
        "connector": connector,
    }


def _inspection(after: str) -> dict[str, Any]:
    """An on-site inspection after the check, its two examiners drawn from the bureau's."""
    return {
        "id": "site-inspection",
        "title": "实地核查",
        "department": OWNER,
        "kind": "inspection",
        "needs": [after],
        "limit": "1 working-days",
        "draw": {"pool": OWNER, "count": 2},
    }


def _workflow(workflow_id: str, checks: list[dict[str, Any]]) -> Workflow:
    """`checks` (and an inspection) before the bureau's decision, then delivery."""
    return Workflow.model_validate(
        {
            "id": workflow_id,
            "version": 1,
            "title": "网约车驾驶员证（测试）",
            "owner": OWNER,
            "calendar": "cn",
            "statutory_limit": "20 working-days",
            "promised_limit": "2 working-days",
            "materials": [
                {"id": "application-form", "title": "申请表"},
                {"id": "id-card", "title": "居民身份证"},
            ],
            "steps": [
                *checks,
                {
                    "id": "decision",
                    "title": "驾驶员证核发决定",
                    "department": OWNER,
                    "kind": "decision",
                    "needs": [c["id"] for c in checks],
                    "limit": "1 working-days",
                },
                {
                    "id": "delivery",
                    "title": "送达",
                    "department": OWNER,
                    "kind": "delivery",
                    "needs": ["decision"],
                    "limit": "same-day",
                },
            ],
        }
    )


WORKFLOWS = {
    "ride-hailing-test": _workflow(
        "ride-hailing-test",
        [
            _step("background-check", "public-security", "tests.e2e.prefect.app:slow_background"),
            _step("traffic-record-check", "traffic-police", "tests.e2e.prefect.app:slow_traffic"),
        ],
    ),
    "inspection-test": _workflow(
        "inspection-test",
        [
            _step("background-check", "public-security", "tests.e2e.prefect.app:slow_background"),
            _inspection("background-check"),
        ],
    ),
    "broken-check-test": _workflow(
        "broken-check-test", [_step("background-check", "public-security", "http://127.0.0.1:9/")]
    ),
}


def service() -> CaseService:
    engine = sa.create_engine(os.environ["ONETHING_DATABASE_URL"], pool_pre_ping=True)
    return CaseService(
        engine,
        workflows=lambda workflow_id, _version: WORKFLOWS[workflow_id],
        calendars=load_calendars(ROOT / "definitions" / "calendars"),
        clock=system_now,
        reaction=Drawer(RosterBook(engine, clock=system_now), key=DRAW_KEY),
    )


def _slow(connector: Any, request: dict[str, Any], database: sa.Engine) -> dict[str, Any]:
    """The real check (its side effect first), then held like a slow registry's answer."""
    with Session(database) as session:
        call = ConnectorCall(key=request["key"], started=system_now())
        session.add(call)
        session.commit()
        answer: dict[str, Any] = connector(request, database=database)
        _held(database, request["case"])
        call.finished = system_now()
        session.add(call)
        session.commit()
    return answer


def slow_background(request: dict[str, Any], *, database: sa.Engine) -> dict[str, Any]:
    return _slow(background.check, request, database)


def slow_traffic(request: dict[str, Any], *, database: sa.Engine) -> dict[str, Any]:
    return _slow(traffic_record.check, request, database)
