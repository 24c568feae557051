"""Supervision over real parts: the case service on SQLite and PostgreSQL, the default ladder
of `departments.yaml`, and notices delivered to a loopback SMTP server and HTTP receiver."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import freezegun
import pytest
import sqlalchemy as sa

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.service import CaseService
from engine.clock import system_now
from engine.definitions.catalogue import Catalogue, Channel, Department
from engine.definitions.model import Workflow
from engine.escalation.sweep import Supervision
from engine.notify.dispatch import Dispatcher
from tests.integration.cases.conftest import APPLICATION, ROOT, db  # noqa: F401
from tests.integration.notify.conftest import (  # noqa: F401  (shared receivers)
    FAST,
    SECRET_ENV,
    Mailbox,
    Receiver,
    receiver,
    smtp,
    transports,
)
from tests.unit.cases.conftest import road_works
from tests.unit.escalation.conftest import departments

TZ = ZoneInfo("Asia/Shanghai")
MUNICIPAL_HEAD_MAIL = "szj-head@liuzhou.example"


def at(month: int, day: int, hour: int = 17, minute: int = 31) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def catalogue(webhook_url: str) -> Catalogue:
    """The road-works departments, with the municipal head on e-mail and the supervision
    office on a webhook; everyone else on the log."""
    roles = ("window", "reviewer", "head", "leader")
    return Catalogue(
        roles=dict(departments().roles),
        departments={
            "bureau": Department(
                id="bureau", name="柳州市行政审批局", roles=roles, escalation=("head", "leader")
            ),
            "municipal": Department(
                id="municipal",
                name="柳州市住房和城乡建设局(市政)",
                roles=roles,
                escalation=("reviewer", "head", "leader", "supervision/supervisor"),
                channels={"head": (Channel(kind="email", address=MUNICIPAL_HEAD_MAIL),)},
            ),
            "traffic-police": Department(
                id="traffic-police", name="柳州市公安局交通管理支队", roles=roles
            ),
            "greening": Department(id="greening", name="柳州市林业和园林局", roles=roles),
            "supervision": Department(
                id="supervision",
                name="柳州市政务服务中心电子监察室",
                roles=("supervisor", "head"),
                channels={
                    "default": (Channel(kind="webhook", url=webhook_url, secret_env=SECRET_ENV),)
                },
            ),
            "approval-bureau": Department(
                id="approval-bureau", name="柳州市行政审批局", roles=("leader",)
            ),
        },
        escalation=departments().escalation,
    )


def supervised_workflow(**changes: Any) -> Workflow:
    """Road works with the default ladder (what the loader fills in from the catalogue)."""
    return Workflow.model_validate(road_works(escalation=departments().escalation, **changes))


@pytest.fixture(scope="session")
def calendars() -> CalendarSet:
    from engine.calendar import load_calendars

    return load_calendars(ROOT / "definitions" / "calendars")


@pytest.fixture
def frozen() -> Iterator[Any]:
    """Wall time stopped at 2026-09-29 10:00 in Shanghai; tests move it (no sleeping)."""
    with freezegun.freeze_time(at(9, 29, 10, 0), real_asyncio=True) as frozen:
        yield frozen


def make_service(engine: sa.Engine, calendars: CalendarSet, workflow: Workflow) -> CaseService:
    return CaseService(
        engine, workflows=lambda _id, _v: workflow, calendars=calendars, clock=system_now
    )


USERS = [
    ("wang", "window", "bureau"),
    ("chen", "reviewer", "bureau"),
    ("zhou", "head", "bureau"),
    ("li", "leader", "bureau"),
    ("liu", "reviewer", "municipal"),
    ("he", "head", "municipal"),
    ("lu", "leader", "municipal"),
    ("zhao", "reviewer", "traffic-police"),
    ("qian", "supervisor", "supervision"),
]


@pytest.fixture
def service(db: sa.Engine, calendars: CalendarSet, frozen: Any) -> CaseService:  # noqa: F811
    svc = make_service(db, calendars, supervised_workflow())
    for name, role, department in USERS:
        Accounts(svc.engine, clock=svc.clock).add(name, role=role, department=department)
    return svc


@pytest.fixture
def supervision(
    service: CaseService,
    smtp: Mailbox,  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> Supervision:
    return Supervision(
        service,
        catalogue=catalogue(receiver.url),
        dispatcher=Dispatcher(transports=transports(smtp_port=smtp.port), policy=FAST),
    )


@pytest.fixture
def accepted(service: CaseService) -> Callable[[], str]:
    def make() -> str:
        case_id = service.submit("road-works", APPLICATION)["id"]
        service.act(case_id, "accept", actor="wang")
        return case_id

    return make
