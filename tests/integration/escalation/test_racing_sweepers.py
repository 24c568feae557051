"""Two service processes sweeping one database at once fire each level once: the case rows are
locked with SKIP LOCKED (PostgreSQL) and the escalations are unique per clock and level."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, func, select

from engine.calendar import CalendarSet
from engine.cases.service import CaseService
from engine.cases.tables import EscalationRow
from engine.escalation.sweep import Supervision, SweepReport
from engine.notify.dispatch import Dispatcher
from tests.fixtures.loopback import FAST, SECRET_ENV, Mailbox, Receiver, transports
from tests.fixtures.supervision import at, catalogue, make_service, supervised_workflow

CASES = 12


def test_two_sweepers_at_once_fire_and_deliver_each_level_once(
    service: CaseService,
    accepted: Callable[[], str],
    calendars: CalendarSet,
    smtp: Mailbox,
    receiver: Receiver,
    frozen: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv(SECRET_ENV, "s3cret-for-tests")
    for _ in range(CASES):
        accepted()
    frozen.move_to(at(10, 12, 9, 30))  # each step owes yellow, red and supervision
    sweepers = []
    for _ in range(2):  # each with its own engine and pool, as two processes would have
        engine = sa.create_engine(service.engine.url, connect_args=_connect(service.engine))
        sweepers.append(
            Supervision(
                make_service(engine, calendars, supervised_workflow()),
                catalogue=catalogue(receiver.url),
                dispatcher=Dispatcher(transports=transports(smtp_port=smtp.port), policy=FAST),
                batch=3,
            )
        )
    start = threading.Barrier(2)
    reports: list[SweepReport] = []
    errors: list[BaseException] = []

    def run(sweeper: Supervision) -> None:
        start.wait()
        try:
            reports.append(sweeper.sweep())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in sweepers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    expected = CASES * 2 * 3  # two steps, three levels each
    fired = [(f.case_id, f.step_id, f.level) for r in reports for f in r.fired]
    assert len(fired) == len(set(fired)) == expected
    with Session(service.engine) as session:
        assert session.exec(select(func.count()).select_from(EscalationRow)).one() == expected
    # the municipal head is mailed yellow and red; the supervision office gets one webhook
    # per supervision level: nothing twice
    assert len(smtp.messages) == CASES * 2
    assert len({m["Message-ID"] for m in smtp.messages}) == CASES * 2
    deliveries = [r.headers["X-Onething-Delivery"] for r in receiver.requests]
    assert len(deliveries) == len(set(deliveries)) == CASES * 2
    for sweeper in sweepers:
        sweeper.engine.dispose()


def _connect(engine: sa.Engine) -> dict[str, Any]:
    return {"timeout": 30} if engine.dialect.name == "sqlite" else {}
