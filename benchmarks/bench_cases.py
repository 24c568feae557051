"""Ride-hailing cases from intake to delivery through the service layer (no Prefect).

Two ways to drive them: one command per transaction (`act`, `--threads` drivers a process), or
`--batch N` cases in flight a process, the next command of each sent together (`act_many`,
`submit_many`: one transaction a batch, each command judged on its own); `--processes P`
service processes share the cases (Python runs one core a process). Reports cases/s,
actions/s and memory (RSS after each tenth, per process: flat means finished cases are not
kept), on SQLite and on PostgreSQL; then the cost of listing overdue steps among 100,000 open
cases, with the query plan to show it reads the index.

    .venv/bin/python benchmarks/bench_cases.py --db postgresql --batch 50 --processes 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import resource
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from engine.bootstrap import calendars, catalogue, definitions_root
from engine.cases.service import CaseService, Command, Intake
from engine.cases.tables import CaseRow, StepRow
from engine.clock import system_now
from engine.definitions.model import Step
from engine.demo.driver import Driver, next_commands, seed_officers
from engine.errors import OnethingError
from engine.registry import register, workflow_source
from engine.store import get_engine
from engine.views.cases import CaseView

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
WORKFLOW = "ride-hailing-dual-licence"


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"onething_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        from engine.store import dispose_engines

        dispose_engines()
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Counting(CaseService):
    """The service, counting the commands it runs (one `act_many` counts its commands)."""

    actions = 0
    _lock = threading.Lock()

    def act(self, *args: Any, **kwargs: Any) -> CaseView:
        with self._lock:
            Counting.actions += 1
        return super().act(*args, **kwargs)

    def act_many(self, commands: Sequence[Command]) -> list[CaseView | OnethingError]:
        with Counting._lock:
            Counting.actions += len(commands)
        return super().act_many(commands)


def prepare(url: str) -> None:
    """The workflow registered and the officers seeded, once, before the drivers start."""
    engine = get_engine(url)
    path = definitions_root() / "workflows" / f"{WORKFLOW}.yaml"
    register(
        engine,
        path.read_text(encoding="utf-8"),
        file=str(path),
        catalogue=catalogue(),
        now=system_now(),
    )
    seed_officers(service_on(url), catalogue())


def service_on(url: str) -> Counting:
    engine = get_engine(url)
    return Counting(
        engine,
        workflows=workflow_source(engine, catalogue()),
        calendars=calendars(),
        clock=system_now,
    )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def application() -> dict[str, Any]:
    return dict(json.loads((definitions_root() / "samples" / f"{WORKFLOW}.json").read_text()))


CHECKED = {"ok": True, "findings": []}  # the background checks' answer (no Prefect here)


def drive_one_by_one(service: Counting, count: int, threads: int, memory: list[float]) -> None:
    """`threads` drivers, each taking its cases to the end one command at a time."""

    def automatic(view: CaseView, step: Step) -> CaseView:  # the connector's answer
        return service.act(
            view.id, "approve", actor="system", args={"step": step.id, "result": CHECKED}
        )

    driver = Driver(service, automatic=automatic)
    workflow = service.workflows(WORKFLOW, None)
    done = [0]
    lock = threading.Lock()

    def worker(share: int) -> None:
        for _ in range(share):
            view = driver.run(service.submit(WORKFLOW, application()), workflow)
            assert view.status == "completed", view.status
            with lock:
                done[0] += 1
                if done[0] % max(1, count // 10) == 0:
                    memory.append(round(rss_mb(), 1))

    pool = [
        threading.Thread(target=worker, args=(count // threads + (i < count % threads),))
        for i in range(threads)
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def drive_batched(service: Counting, count: int, batch: int, memory: list[float]) -> None:
    """`batch` cases in flight at once, their next commands sent together (`act_many`);
    finished cases make room for the next applications (`submit_many`)."""
    workflow = service.workflows(WORKFLOW, None)
    flight: dict[str, CaseView] = {}
    submitted = done = 0
    while flight or submitted < count:
        room = min(batch - len(flight), count - submitted)
        if room:
            for view in service.submit_many([Intake(WORKFLOW, application())] * room):
                assert isinstance(view, CaseView), view
                flight[view.id] = view
            submitted += room
        commands = [
            c
            for view in flight.values()
            for c in next_commands(view, workflow, check_result=CHECKED)
        ]
        for command, outcome in zip(commands, service.act_many(commands), strict=True):
            if not isinstance(outcome, CaseView):
                raise outcome
            flight[command.case_id] = outcome  # in order: the last is the case after
        for case_id in [i for i, v in flight.items() if v.status != "in-progress"]:
            assert flight.pop(case_id).status == "completed"
            done += 1
            if done % max(1, count // 10) == 0:
                memory.append(round(rss_mb(), 1))


def drive_share(url: str, count: int, threads: int, batch: int) -> dict[str, Any]:
    """One process's share of the cases; returns its figures."""
    service = service_on(url)
    memory: list[float] = []
    Counting.actions = 0
    began = time.perf_counter()
    if batch > 1:
        drive_batched(service, count, batch, memory)
    else:
        drive_one_by_one(service, count, threads, memory)
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "actions": Counting.actions + count, "rss_mb": memory}


def drive(url: str, count: int, *, processes: int, threads: int, batch: int) -> dict[str, Any]:
    """The cases from intake to delivery, shared among `processes` service processes."""
    began = time.perf_counter()
    if processes == 1:
        shares = [drive_share(url, count, threads, batch)]
    else:
        from engine.store import dispose_engines

        dispose_engines()  # each process opens its own connections
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            counts = [count // processes + (i < count % processes) for i in range(processes)]
            shares = pool.starmap(drive_share, [(url, n, threads, batch) for n in counts])
    seconds = time.perf_counter() - began
    actions = sum(s["actions"] for s in shares)
    return {
        "cases": count,
        "processes": processes,
        "threads": threads if batch == 1 else 1,
        "batch": batch,
        "seconds": round(seconds, 1),
        "cases_per_s": round(count / seconds, 1),
        "actions": actions,
        "actions_per_s": round(actions / seconds),
        "rss_mb_each_tenth": [m for s in shares for m in s["rss_mb"]],
    }


def overdue_listing(service: Counting, open_cases: int) -> dict[str, Any]:
    """Bulk-load open cases with open steps, some overdue; time the overdue query."""
    engine = service.engine
    now = dt.datetime.now(dt.UTC)
    cases, steps = [], []
    for i in range(open_cases):
        case_id = f"bench-{i:06d}"
        cases.append(
            {
                "id": case_id,
                "workflow_id": WORKFLOW,
                "workflow_version": 1,
                "status": "in-progress",
                "snapshot": "{}",
                "version": 1,
                "event_count": 0,
                "last_hash": "0" * 64,
                "submitted_at": now,
                "updated_at": now,
            }
        )
        due = now + dt.timedelta(hours=(i % 200) - 1)  # test data spread around now
        steps.append(
            {
                "case_id": case_id,
                "step_id": "vehicle-review",
                "department": "transport",
                "status": "active",
                "is_open": True,
                "attempt": 1,
                "due_at": due,
                "suspended": False,
            }
        )
    with engine.begin() as connection:
        for start in range(0, open_cases, 5000):
            connection.execute(sa.insert(CaseRow), cases[start : start + 5000])
            connection.execute(sa.insert(StepRow), steps[start : start + 5000])
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("ANALYZE"))
    service.overdue_steps(limit=1000)  # warm
    began = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        found = service.overdue_steps(limit=1000)
    per_query_ms = (time.perf_counter() - began) / rounds * 1000
    explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
    query = service.overdue_query(limit=1000).compile(
        engine, compile_kwargs={"literal_binds": True}
    )
    with engine.connect() as connection:
        plan = [
            " ".join(str(c) for c in row)
            for row in connection.execute(sa.text(f"{explain} {query}"))
        ]
    return {
        "open_cases": open_cases,
        "overdue_found": len(found),
        "ms_per_query": round(per_query_ms, 2),
        "plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=4, help="drivers per process")
    parser.add_argument("--processes", type=int, default=1, help="service processes")
    parser.add_argument(
        "--batch", type=int, default=1, help="cases in flight per process, sent with act_many"
    )
    parser.add_argument("--open-cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        with database(kind) as url:
            prepare(url)
            # SQLite has one writer at a time: one process, one driver thread
            threads, processes = (1, 1) if kind == "sqlite" else (args.threads, args.processes)
            results[kind] = {
                "drive": drive(
                    url, args.cases, processes=processes, threads=threads, batch=args.batch
                ),
                "overdue": overdue_listing(service_on(url), args.open_cases),
            }
    results["peak_rss_mb"] = round(rss_mb(), 1)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return
    for kind in kinds:
        d, o = results[kind]["drive"], results[kind]["overdue"]
        how = f"{d['processes']} process(es) × " + (
            f"{d['batch']} cases in flight (act_many)"
            if d["batch"] > 1
            else f"{d['threads']} thread(s)"
        )
        print(
            f"{kind} ({how}): {d['cases']} cases in {d['seconds']} s = {d['cases_per_s']} "
            f"cases/s, {d['actions_per_s']} actions/s; RSS MB each tenth {d['rss_mb_each_tenth']}"
        )
        print(
            f"{kind}: overdue among {o['open_cases']:,} open cases: {o['ms_per_query']} ms "
            f"({o['overdue_found']} found); plan: {' | '.join(o['plan'])}"
        )
    print(f"peak RSS {results['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
