"""A sweep with a dead mail server: 20 road-works cases whose 40 mailed levels (municipal's
yellow and red to its head) fall due at once, the mail server a loopback port that accepts and
never answers (SMTP timeout 2 s), or nothing listening. Times the whole sweep, delivery
included, in one round (`engine.notify.rounds`) and, for comparison, notice by notice with the
dispatcher's own retries. On SQLite in the working directory (`--dir`). Target: a few seconds
with the round, whatever the server does.

Measured (2 cores shared with other work, SQLite on disk). Before rounds wrote their records
together: one round 7.9 s with the silent server, 3.9 s with the refusing one (a 2 s SMTP
timeout, then the 280 delivery records' two commits each); 17 s on a slower disk. With the
records claimed and written in one transaction each and the endpoints served in parallel:
2.3 s silent (the one timeout) and 0.45 s refusing (docs/notifications.md §rounds).
"""

from __future__ import annotations

import argparse
import logging
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
from engine.escalation.fired import Fired
from engine.escalation.sweep import Supervision
from engine.notify.dispatch import Dispatcher
from engine.retry import RetryPolicy
from tests.fixtures.definitions import ROOT
from tests.fixtures.loopback import free_port, transports
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import USERS, at, catalogue, supervised_workflow

POLICY = RetryPolicy(max_attempts=3, base_delay=0.5, total_seconds=30)


def sweep_seconds(port: int, *, rounds: bool, cases: int, where: str) -> float:
    with tempfile.TemporaryDirectory(dir=where) as folder:
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
        supervision = Supervision(
            service, catalogue=catalogue("http://127.0.0.1:9/hook"), dispatcher=dispatcher
        )
        if not rounds:  # every notice on its own, with the dispatcher's retries

            def one_by_one(fired: list[Fired], *, down: set[str]) -> list[Fired]:
                return [supervision.deliver(f) for f in fired]

            supervision.deliver_round = one_by_one  # type: ignore[method-assign]
        started = time.perf_counter()
        supervision.sweep(at=at(10, 12))
        elapsed = time.perf_counter() - started
        db.dispose()
        return elapsed


def main() -> None:
    logging.disable(logging.WARNING)  # a log line per notice would time the terminal
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--compare", action="store_true", help="also time without rounds")
    parser.add_argument("--dir", default=".", help="where the SQLite file goes")
    args = parser.parse_args()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(256)
        ports = {"silent": int(silent.getsockname()[1]), "refusing": free_port()}
        for name, port in ports.items():
            modes = (True, False) if args.compare else (True,)
            for rounds in modes:
                seconds = sweep_seconds(port, rounds=rounds, cases=args.cases, where=args.dir)
                label = "one round" if rounds else "per-notice retries"
                print(f"{name:9} {label:18} {2 * args.cases} mailed levels: {seconds:6.2f} s")


if __name__ == "__main__":
    main()
