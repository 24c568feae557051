"""The licence library over real databases: the shipped workflows that issue and read
certificates, the registries' sample records seeded, and the bureau's officers."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.service import CaseService
from engine.definitions.loader import load_catalogue, load_workflow
from engine.definitions.model import Workflow
from engine.licences.sources import Sources, load_registries, seed
from tests.fixtures.cases import TZ, Clock
from tests.fixtures.definitions import DEFINITIONS

ENTERPRISE = "91450200MA5R7T2U3J"  # established in the tests
REVOKED_IN_REGISTRY = "91450200MA5N2P4X1M"  # the enterprise registry's revoked sample
PROJECT = "2026-450202-47-01-000001"  # a valid supervision registration
EXPIRED_PROJECT = "2026-450202-47-01-000002"  # an expired one


def shipped() -> dict[str, Workflow]:
    catalogue = load_catalogue(DEFINITIONS)
    return {
        path.stem: load_workflow(path, catalogue)
        for path in sorted((DEFINITIONS / "workflows").glob("*.yaml"))
    }


WORKFLOWS = shipped()


def library_service(
    db: sa.Engine, clock: Clock, calendars: CalendarSet, **sources: object
) -> CaseService:
    svc = CaseService(
        db,
        workflows=lambda workflow_id, _v: WORKFLOWS[workflow_id],
        calendars=calendars,
        clock=clock,
        sources=Sources(db, registries=load_registries(DEFINITIONS), **sources),  # type: ignore[arg-type]
    )
    return svc


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


def establishment(credit_code: str = ENTERPRISE, name: str = "柳州示例新创科技有限公司") -> dict:
    return {
        "applicant": {"name": name, "credit_code": credit_code},
        "fields": {
            "enterprise_name": name,
            "enterprise_type": "limited",
            "registered_capital": 100,
        },
        "materials": {
            "application-form": "doc-e1",
            "articles": "doc-e2",
            "representative-id": "doc-e3",
            "premises-proof": "commitment",
        },
    }


def permit(credit_code: str = ENTERPRISE, project: str = PROJECT) -> dict:
    return {
        "applicant": {"name": "柳州示例新创科技有限公司", "credit_code": credit_code},
        "fields": {"project_code": project, "project_name": "示例厂房", "contract_price": 800},
        "materials": {
            "application-form": "doc-p1",
            "planning-permit": "doc-p2",
            "construction-contract": "doc-p3",
            "funds-commitment": "commitment",
        },
    }


def register(service: CaseService, credit_code: str = ENTERPRISE) -> str:
    """An enterprise established: its business licence issued into the library."""
    case_id = service.submit("enterprise-establishment", establishment(credit_code)).id
    service.act(case_id, "accept", actor="wang")
    service.act(case_id, "approve", actor="chen", args={"step": "registration-review"})
    view = service.act(
        case_id,
        "approve",
        actor="zhou",
        args={"step": "registration-decision", "document": "柳审企登字〔2026〕1号"},
    )
    assert view.status == "completed"
    return case_id
