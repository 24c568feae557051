"""Delivery tests over real parts: SQLite and PostgreSQL holding the notify tables, and the
loopback receivers of `tests.fixtures.loopback`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from engine.notify.dispatch import Dispatcher
from engine.notify.notice import NoticeKind, Recipient, SupervisionNotice, WorkingTime
from engine.notify.tables import NOTIFY_TABLES
from tests.fixtures.loopback import FAST, Mailbox, transports
from tests.fixtures.stores import fresh_postgres

# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of the notify tests' own (its migration test drops and rebuilds)."""
    with fresh_postgres("onething_notify") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def notify_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine with the notify tables, empty: a SQLite file or the session's PostgreSQL."""
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'notify.db'}")
    else:
        engine = sa.create_engine(request.getfixturevalue("pg_url"))
    SQLModel.metadata.drop_all(engine, tables=NOTIFY_TABLES)
    SQLModel.metadata.create_all(engine, tables=NOTIFY_TABLES)
    yield engine
    engine.dispose()


@pytest.fixture
def session(notify_db: sa.Engine) -> Iterator[Session]:
    with Session(notify_db) as s:
        yield s


@pytest.fixture
def notice() -> SupervisionNotice:
    """A yellow warning on a ride-hailing step, due after the National Day holiday."""
    return SupervisionNotice(
        notice_id="C-2026-0007:driver-review:yellow",
        kind=NoticeKind.YELLOW,
        case_id="C-2026-0007",
        workflow_title="网约车双证联办",
        department="市交通运输局",
        due_at=datetime(2026, 10, 13, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        step_id="driver-review",
        step_title="驾驶员证审核",
        remaining=WorkingTime(days=1, minutes=420),
        recipients=(Recipient("张三", "审查员"),),
    )


@pytest.fixture
def dispatcher(smtp: Mailbox) -> Dispatcher:
    """Sends to the loopback SMTP server and webhook receivers, with millisecond backoff."""
    return Dispatcher(transports=transports(smtp_port=smtp.port), policy=FAST)
