"""A sweep with a dead mail server: 20 road-works cases whose 40 mailed levels (municipal's
yellow and red to its head) fall due at once, the mail server a loopback port that accepts and
never answers (SMTP timeout 2 s), or nothing listening. Times the whole sweep, delivery
included, in one round (`Dispatcher.round`) and, for comparison, with the dispatcher's own
retries per notice. On SQLite. Target: a few seconds with the round, whatever the server does.

Measured (2 shared cores, SQLite on a slow disk): one round 17 s with the silent server, 20 s
with the refusing one — of which one 2 s SMTP timeout, the rest the 280 delivery records'
commits (33 ms each here; the sweep's own writes are 0.2 s); with per-notice retries, 478 s.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

import engine.cases.tables  # noqa: F401  (registers the tables)
import engine.notify.tables  # noqa: F401
from engine.access.accounts import Accounts
from engine.calendar import load_calendars
from engine.cases.service import CaseService
from engine.escalation.sweep import Supervision
from engine.notify.dispatch import Dispatcher
from engine.retry import RetryPolicy
from tests.fixtures.definitions import ROOT
from tests.fixtures.loopback import free_port, transports
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import USERS, at, catalogue, supervised_workflow

POLICY = RetryPolicy(max_attempts=3, base_delay=0.5, total_seconds=30)


def sweep_seconds(port: int, *, rounds: bool, cases: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        db = sa.create_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        SQLModel.metadata.create_all(db)
        workflow = supervised_workflow()
        service = CaseService(
            db,
            workflows=lambda _id, _v: workflow,
            calendars=load_calendars(ROOT / "definitions" / "calendars"),
            clock=lambda: at(9, 29, 10, 0),
        )
        for name, role, department in USERS:
            Accounts(service.engine, clock=service.clock).add(
                name, role=role, department=department
            )
        for _ in range(cases):
            service.act(service.submit("road-works", APPLICATION).id, "accept", actor="wang")
        dispatcher = Dispatcher(transports=transports(smtp_port=port), policy=POLICY)
        if not rounds:  # every notice retried on its own, as before rounds
            dispatcher.round = lambda: dispatcher  # type: ignore[method-assign]
        supervision = Supervision(
            service, catalogue=catalogue("http://127.0.0.1:9/hook"), dispatcher=dispatcher
        )
        started = time.perf_counter()
        supervision.sweep(at=at(10, 12))
        elapsed = time.perf_counter() - started
        db.dispose()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--compare", action="store_true", help="also time without rounds")
    args = parser.parse_args()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(256)
        ports = {"silent": int(silent.getsockname()[1]), "refusing": free_port()}
        for name, port in ports.items():
            modes = (True, False) if args.compare else (True,)
            for rounds in modes:
                seconds = sweep_seconds(port, rounds=rounds, cases=args.cases)
                label = "one round" if rounds else "per-notice retries"
                print(f"{name:9} {label:18} {2 * args.cases} mailed levels: {seconds:6.2f} s")


if __name__ == "__main__":
    main()
