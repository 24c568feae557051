"""Cases as Prefect flows under load: N open cases waiting, then decisions one after another.

Measures the decision-to-next-step latency (a reviewer approves; the case's suspended flow run
is resumed, runs the automatic check that follows and records its result) and how many
flow-run processes are alive while the cases wait (not counting the serving process's helpers,
which hold no run: Python's resource tracker and the forkserver the runs are forked from). A
real Prefect server and `onething serve` (its default poll interval) run in child processes;
the cases live in a SQLite file (or, with `--postgres`, on fresh PostgreSQL databases).

Then the fan-out: `--fan-out` cases whose two checks each take `--check-seconds`; the span from
the first check's start to the last one's end, over one check's time, is 1 when the flow runs
them side by side and 2 when one after the other (target: under 1.8).

    .venv/bin/python benchmarks/bench_flows.py [--cases 200] [--decisions 40] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.access.accounts import Accounts  # noqa: E402
from engine.calendar import load_calendars  # noqa: E402
from engine.cases.service import CaseService  # noqa: E402
from engine.clock import system_now  # noqa: E402
from engine.definitions.model import Workflow  # noqa: E402

OWNER = "bureau"


def _step(step: str, department: str, kind: str, *needs: str, **more: str) -> dict[str, Any]:
    return {
        "id": step,
        "title": step,
        "department": department,
        "kind": kind,
        "needs": list(needs),
        "limit": "same-day",
        **more,
    }


def _workflow(workflow_id: str, *steps: dict[str, Any]) -> Workflow:
    return Workflow.model_validate(
        {
            "id": workflow_id,
            "version": 1,
            "title": "benchmark",
            "owner": OWNER,
            "calendar": "cn",
            "statutory_limit": "20 working-days",
            "promised_limit": "5 working-days",
            "steps": [{**_step("review", OWNER, "review"), "limit": "1 working-days"}, *steps],
        }
    )


WORKFLOW = _workflow(
    "bench",
    _step(
        "background-check",
        "public-security",
        "check",
        "review",
        connector="engine.connectors.background:check",
    ),
    _step("delivery", OWNER, "delivery", "background-check"),
)
FAN_OUT = _workflow(  # two checks side by side, each as slow as BENCH_CHECK_SECONDS
    "bench-fan-out",
    _step(
        "background-check", "public-security", "check", "review", connector="bench_flows:slow_check"
    ),
    _step(
        "traffic-record-check",
        "traffic-police",
        "check",
        "review",
        connector="bench_flows:slow_check",
    ),
    _step("delivery", OWNER, "delivery", "background-check", "traffic-record-check"),
)
CHECKS = sa.Table(
    "bench_checks",
    sa.MetaData(),
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("started", sa.Float),  # time.monotonic(): one clock for every process
    sa.Column("finished", sa.Float),
)


def slow_check(request: dict[str, Any], *, database: sa.Engine) -> dict[str, Any]:
    """A registry that takes BENCH_CHECK_SECONDS to answer yes; its start and end recorded."""
    started = time.monotonic()
    time.sleep(float(os.environ.get("BENCH_CHECK_SECONDS", "1")))
    with database.begin() as connection:
        connection.execute(CHECKS.delete().where(CHECKS.c.key == request["key"]))
        connection.execute(
            CHECKS.insert().values(key=request["key"], started=started, finished=time.monotonic())
        )
    return {"ok": True, "findings": []}


def service() -> CaseService:
    """The factory `onething serve` runs the flows on (`ONETHING_SERVICE_FACTORY`)."""
    url = os.environ["ONETHING_DATABASE_URL"]
    args: dict[str, Any] = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
    workflows = {WORKFLOW.id: WORKFLOW, FAN_OUT.id: FAN_OUT}
    return CaseService(
        sa.create_engine(url, **args),
        workflows=lambda workflow_id, _version: workflows[workflow_id],
        calendars=load_calendars(ROOT / "definitions" / "calendars"),
        clock=system_now,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """The flow-run processes below `pid`: not its helpers, which hold no run (Python's
    resource tracker; the forkserver the runs are forked from, whose children do count)."""
    children: dict[int, list[int]] = {}
    commands: dict[int, bytes] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except (OSError, IndexError):
                continue
            if b"resource_tracker" not in cmdline:
                children.setdefault(int(stat[1]), []).append(int(entry.name))
                commands[int(entry.name)] = cmdline
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for child in children.get(parent, []):
            if parent != pid or b"multiprocessing.forkserver" not in commands[child]:
                found.append(child)
            todo.append(child)
    return found


PG = "postgresql://postgres@127.0.0.1:5432/postgres"
_created: list[str] = []


def fresh_database(prefix: str) -> str:
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    _created.append(name)
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_databases() -> None:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as admin:
        for name in _created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait(what: str, check: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(0.2)


def step_statuses(svc: CaseService, step: str) -> dict[str, str]:
    from sqlmodel import Session, select

    from engine.cases.tables import StepRow

    with Session(svc.engine) as session:
        rows = session.exec(select(StepRow.case_id, StepRow.status).where(StepRow.step_id == step))
        return {case_id: status for case_id, status in rows}


def paused_runs(api_url: str) -> int:
    import httpx

    body = {"flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}}
    return int(httpx.post(f"{api_url}/flow_runs/count", json=body, timeout=10).json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--decisions", type=int, default=40)
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between decisions")
    parser.add_argument("--limit", type=int, default=6, help="awake runs at once")
    parser.add_argument("--give-up", type=float, default=120, help="seconds per decision")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="cases and the Prefect server on fresh PostgreSQL databases (default: SQLite files)",
    )
    parser.add_argument("--fan-out", type=int, default=5, help="cases with two parallel checks")
    parser.add_argument("--check-seconds", type=float, default=1.0, help="each parallel check")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    from flows.serving import prefect_server

    work = Path(tempfile.mkdtemp(prefix="bench-flows-"))
    url = f"sqlite:///{work / 'cases.db'}"
    if options.postgres:
        url = fresh_database("onething_bench_cases")
        prefect_url = fresh_database("onething_bench_prefect")
        os.environ["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = prefect_url.replace(
            "+psycopg", "+asyncpg"
        )
    os.environ.update(
        ONETHING_DATABASE_URL=url,
        ONETHING_SERVICE_FACTORY="bench_flows:service",
        BENCH_CHECK_SECONDS=str(options.check_seconds),
        PYTHONPATH=os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)]),
    )
    from sqlmodel import SQLModel

    import engine.cases.tables  # noqa: F401
    import flows.tables  # noqa: F401  (the flow-run table: migrations make it elsewhere)
    from engine.connectors import registry

    database = service().engine
    SQLModel.metadata.create_all(database)
    CHECKS.create(database, checkfirst=True)
    registry.seed(database, definitions=ROOT / "definitions")
    with prefect_server(work / "prefect", port=free_port()) as api_url:
        os.environ["PREFECT_API_URL"] = api_url
        log = open(work / "serve.log", "wb")  # noqa: SIM115
        serve = subprocess.Popen(
            [sys.executable, "-m", "engine.cli.main", "serve", "--limit", str(options.limit)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait("serve", lambda: b"serving case/cases" in (work / "serve.log").read_bytes(), 90)
            report = run(options, api_url, serve.pid)
        finally:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait(timeout=30)
            log.close()
            if options.postgres:
                drop_databases()
    report["database"] = url.split(":")[0]
    if options.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{report['cases']} open cases waiting: {report['paused_runs']} suspended flow runs, "
        f"{report['flow_processes_while_waiting']} flow-run processes alive "
        f"(+ the serving process, its forkserver and the Prefect server); all waiting after "
        f"{report['seconds_to_all_waiting']:.1f} s"
    )
    print(
        f"decision → next step done ({report['decisions']} decisions, one every "
        f"{options.gap:g} s): p50 {report['latency_p50_s']:.2f} s, "
        f"p95 {report['latency_p95_s']:.2f} s, max {report['latency_max_s']:.2f} s; "
        f"at most {report['flow_processes_peak']} flow-run processes at once; "
        f"{report['not_acted_on_in_time']} not acted on within {options.give_up:g} s"
    )
    print(
        f"fan-out ({report['fan_out_cases']} cases, two checks of {options.check_seconds:g} s "
        f"each): both done {report['fan_out_span_p50_s']:.2f} s (p50), "
        f"{report['fan_out_span_max_s']:.2f} s (max) after the first started: "
        f"{report['fan_out_ratio_max']:.2f}× one check (1 = side by side, 2 = one after the other)"
    )


def run(options: argparse.Namespace, api_url: str, serve_pid: int) -> dict[str, Any]:
    from engine.bootstrap import case_service
    from flows.wake import waking

    svc = waking(case_service())
    accounts = Accounts(svc.engine, clock=svc.clock)
    accounts.add("wang", role="window", department=OWNER)
    accounts.add("chen", role="reviewer", department=OWNER)
    started = time.monotonic()
    ids = []
    for n in range(options.cases):
        case_id = svc.submit("bench", {"applicant": {"id_number": "450202199001010015"}}).id
        svc.act(case_id, "accept", actor="wang")
        ids.append(case_id)
        if n % 50 == 49:
            print(f"  {n + 1} cases submitted", file=sys.stderr)
    wait("every case to wait", lambda: paused_runs(api_url) >= options.cases, 900)
    all_waiting = time.monotonic() - started
    time.sleep(3)
    waiting_processes = len(descendants(serve_pid))
    paused = paused_runs(api_url)

    waiting: dict[str, float] = {}  # decided, next step not yet done: case -> when decided
    latencies: list[float] = []
    peak = 0
    pending = ids[: options.decisions]
    next_at = time.monotonic()
    while pending or waiting:
        now = time.monotonic()
        if pending and now >= next_at:
            case_id = pending.pop(0)
            waiting[case_id] = time.monotonic()
            svc.act(case_id, "approve", actor="chen", args={"step": "review"})
            next_at = now + options.gap
        statuses = step_statuses(svc, "background-check")
        for case_id, at in list(waiting.items()):
            if statuses.get(case_id) == "approved":
                latencies.append(time.monotonic() - at)
                del waiting[case_id]
        peak = max(peak, len(descendants(serve_pid)))
        if waiting and now - min(waiting.values()) > options.give_up:
            break  # reported as not acted on in time
        time.sleep(0.05)
    late = len(waiting) + len(pending)
    quantiles = statistics.quantiles(latencies, n=20, method="inclusive") if latencies else [0] * 19
    spans = fan_out(svc, options)
    return {
        "fan_out_cases": len(spans),
        "fan_out_span_p50_s": statistics.median(spans),
        "fan_out_span_max_s": max(spans),
        "fan_out_ratio_max": max(spans) / options.check_seconds,
        "not_acted_on_in_time": late,
        "cases": options.cases,
        "paused_runs": paused,
        "seconds_to_all_waiting": all_waiting,
        "flow_processes_while_waiting": waiting_processes,
        "decisions": len(latencies),
        "latency_p50_s": statistics.median(latencies) if latencies else 0.0,
        "latency_p95_s": quantiles[18],
        "latency_max_s": max(latencies, default=0.0),
        "flow_processes_peak": peak,
    }


def fan_out(svc: CaseService, options: argparse.Namespace) -> list[float]:
    """Per case of two parallel checks: seconds from the first check's start to the last end."""
    ids = []
    for _ in range(options.fan_out):
        case_id = svc.submit(FAN_OUT.id, {"applicant": {"id_number": "450202199001010015"}}).id
        svc.act(case_id, "accept", actor="wang")
        svc.act(case_id, "approve", actor="chen", args={"step": "review"})
        ids.append(case_id)
    done = {"approved"}

    def checked() -> bool:
        first, second = (
            step_statuses(svc, "background-check"),
            step_statuses(svc, "traffic-record-check"),
        )
        return all(first.get(c) in done and second.get(c) in done for c in ids)

    wait("the fan-out checks", checked, options.give_up)
    spans = []
    with svc.engine.connect() as connection:
        for case_id in ids:
            rows = connection.execute(
                sa.select(CHECKS.c.started, CHECKS.c.finished).where(
                    CHECKS.c.key.startswith(f"{case_id}:")
                )
            ).all()
            assert len(rows) == 2, (case_id, rows)
            spans.append(max(r.finished for r in rows) - min(r.started for r in rows))
    return spans


if __name__ == "__main__":
    main()
