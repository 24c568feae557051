"""Supervision over real parts: the case service on SQLite and PostgreSQL under a frozen wall
clock, and notices delivered to the loopback SMTP server and HTTP receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import freezegun
import pytest
import sqlalchemy as sa

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.service import CaseService
from engine.escalation.sweep import Supervision
from engine.notify.dispatch import Dispatcher
from tests.fixtures.loopback import FAST, Mailbox, Receiver, transports
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import USERS, at, catalogue, make_service, supervised_workflow


@pytest.fixture
def frozen() -> Iterator[Any]:
    """Wall time stopped at 2026-09-29 10:00 in Shanghai; tests move it (no sleeping)."""
    with freezegun.freeze_time(at(9, 29, 10, 0), real_asyncio=True) as frozen:
        yield frozen


@pytest.fixture
def service(db: sa.Engine, calendars: CalendarSet, frozen: Any) -> CaseService:
    svc = make_service(db, calendars, supervised_workflow())
    for name, role, department in USERS:
        Accounts(svc.engine, clock=svc.clock).add(name, role=role, department=department)
    return svc


@pytest.fixture
def supervision(
    service: CaseService,
    smtp: Mailbox,
    receiver: Receiver,
) -> Supervision:
    return Supervision(
        service,
        catalogue=catalogue(receiver.url),
        dispatcher=Dispatcher(transports=transports(smtp_port=smtp.port), policy=FAST),
    )


@pytest.fixture
def accepted(service: CaseService) -> Callable[[], str]:
    def make() -> str:
        case_id = service.submit("road-works", APPLICATION).id
        service.act(case_id, "accept", actor="wang")
        return case_id

    return make
