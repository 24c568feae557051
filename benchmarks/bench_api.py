"""The HTTP API under load on loopback: uvicorn serving the API in its own process, locust's
FastHttpUser (gevent) generating the load in this one, so the generator is not the bottleneck.

(a) `--clients 50` clients, each about one request a second for `--seconds 60`: 80% reads (a
case page, the reviewer's worklist), 20% decisions (a reviewer approves a step); p50/p95/p99
of each (targets: p95 < 50 ms for reads, < 150 ms for decisions). (b) closed loop, no think
time: the saturation throughput of reads and of decisions, with the server's profile (the
functions where its time goes). On SQLite and on PostgreSQL (`--db`).

    .venv/bin/python benchmarks/bench_api.py --db sqlite --json
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
READER = ("liu", "reviewer", "municipal")
STEPS = ("road-occupation", "road-digging")


# -- the server process (imports the engine, never gevent) -----------------------------------


def serve(url: str, port: int, cases: int, ready: Path, profile: Path | None) -> None:
    """Seed `cases` accepted road-works cases and one reviewer, write what the load needs to
    `ready`, then serve the API on 127.0.0.1:`port` until SIGINT."""
    import cProfile
    import signal

    sys.path.insert(0, str(ROOT))
    import uvicorn

    from engine.api.app import create_app
    from engine.clock import system_now
    from tests.fixtures.api import APPLICATION, WORKFLOW, services_over

    services = services_over(url, system_now)  # type: ignore[arg-type]
    token = services.accounts.add(READER[0], role=READER[1], department=READER[2])
    services.accounts.add("wang", role="window", department="approval-bureau")
    ids = []
    for _ in range(cases):
        case_id = services.cases.submit(WORKFLOW, APPLICATION).id
        services.cases.act(case_id, "accept", actor="wang")
        ids.append(case_id)
    ready.write_text(json.dumps({"token": token, "cases": ids}))
    profiler = cProfile.Profile() if profile else None
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    config = uvicorn.Config(
        create_app(services), port=port, log_level="warning", access_log=False, lifespan="off"
    )
    if profiler:
        profiler.enable()
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
    finally:
        if profiler and profile:
            profiler.disable()
            profiler.dump_stats(str(profile))


# -- the load generator (gevent) -------------------------------------------------------------


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user and system) the server process has used so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def load(
    base: str,
    token: str,
    cases: list[str],
    *,
    clients: int,
    seconds: float,
    paced: bool,
    mix: str,
    server: int,
) -> dict[str, Any]:
    """Run `clients` users for `seconds`; `paced`: about one request a second each, else none
    between requests; `mix`: reads and decisions 80/20, or only `read` or only `decide`.
    With each kind's latencies, the server's CPU per request (all kinds together)."""
    import gevent
    from locust import FastHttpUser, between, constant, task
    from locust.env import Environment

    pool = [(c, s) for c in cases for s in STEPS]
    headers = {"Authorization": f"Bearer {token}"}
    weights = {"mixed": (4, 1), "read": (1, 0), "decide": (0, 1)}[mix]

    class Officer(FastHttpUser):
        host = base
        wait_time = between(0.5, 1.5) if paced else constant(0)

        @task(weights[0] or 1)
        def read(self) -> None:
            if not weights[0]:
                return self.decide()
            case_id = cases[secrets.randbelow(len(cases))]
            if secrets.randbelow(2):
                self.client.get(f"/api/v1/cases/{case_id}", headers=headers, name="read")
            else:
                self.client.get(
                    "/api/v1/worklist?department=municipal", headers=headers, name="read"
                )

        @task(weights[1] or 1)
        def decide(self) -> None:
            if not weights[1]:
                return self.read()
            if not pool:
                return None
            case_id, step = pool.pop()
            self.client.post(
                f"/api/v1/cases/{case_id}/actions/approve",
                json={"step": step},
                headers=headers,
                name="decide",
            )

    env = Environment(user_classes=[Officer])
    runner = env.create_local_runner()
    cpu_before = server_cpu_s(server)
    runner.start(clients, spawn_rate=clients)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    cpu = server_cpu_s(server) - cpu_before
    total = sum(entry.num_requests for entry in env.stats.entries.values())
    report: dict[str, Any] = {"server_cpu_ms_per_request": round(cpu * 1000 / max(total, 1), 2)}
    for name in ("read", "decide"):
        entry = env.stats.get(name, "GET" if name == "read" else "POST")
        if not entry.num_requests:
            continue
        report[name] = {
            "requests": entry.num_requests,
            "errors": entry.num_failures,
            "per_second": round(entry.num_requests / seconds, 1),
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
    return report


def _store(db: str) -> tuple[str, str | None]:
    if db == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='bench-api-')}/store.db", None
    import psycopg

    name = f"bench_api_{secrets.token_hex(4)}"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def _drop(name: str | None) -> None:
    if name:
        import psycopg

        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _phase(url: str, cases: int, profile: Path | None) -> Any:
    """Start a server over the empty store at `url`, seeded with `cases` accepted cases."""
    port = 18000 + secrets.randbelow(2000)
    ready = Path(tempfile.mkdtemp(prefix="bench-api-ready-")) / "ready.json"
    command = [sys.executable, __file__, "--serve", url, str(port), str(cases), str(ready)]
    if profile:
        command.append(str(profile))
    server = subprocess.Popen(command, cwd=ROOT)
    while not ready.exists() or not ready.read_text():  # a benchmark may poll its own setup
        if server.poll() is not None:
            raise SystemExit("the API server exited while seeding")
        time.sleep(0.2)
    time.sleep(1.0)  # uvicorn binds after the seed file is written
    return server, json.loads(ready.read_text()), f"http://127.0.0.1:{port}"


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(2)
    server.wait(timeout=60)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        url, port, cases, ready = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        serve(url, port, cases, Path(ready), Path(sys.argv[6]) if len(sys.argv) > 6 else None)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--saturation-seconds", type=float, default=15.0)
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    args = parser.parse_args()
    import pstats

    results: dict[str, Any] = {"db": args.db, "clients": args.clients, "seconds": args.seconds}
    decisions = int(args.clients * args.seconds * 0.25) // len(STEPS) + 10
    url, database = _store(args.db)
    try:
        server, seeded, base = _phase(url, decisions, None)
        try:
            results["paced"] = load(
                base, seeded["token"], seeded["cases"],
                clients=args.clients, seconds=args.seconds, paced=True, mix="mixed",
                server=server.pid,
            )  # fmt: skip
        finally:
            _stop(server)
    finally:
        _drop(database)
    profile = Path(tempfile.mkdtemp(prefix="bench-api-prof-")) / "server.prof"
    url, database = _store(args.db)
    try:
        server, seeded, base = _phase(url, 1000, profile)
        try:
            saturated = {}
            for mix in ("read", "decide"):
                found = load(
                    base, seeded["token"], seeded["cases"],
                    clients=20, seconds=args.saturation_seconds, paced=False, mix=mix,
                    server=server.pid,
                )  # fmt: skip
                saturated[mix] = {
                    **found.get(mix, {}),
                    "server_cpu_ms_per_request": found["server_cpu_ms_per_request"],
                }
            results["saturation"] = saturated
        finally:
            _stop(server)
    finally:
        _drop(database)
    stats = pstats.Stats(str(profile))
    table = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(table.items(), key=lambda kv: kv[1][3], reverse=True)
    results["profile_top_cumulative"] = [
        f"{Path(where).name}:{line} {func} {row[3]:.1f}s"
        for (where, line, func), row in ranked[:15]
    ]
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return
    for name in ("read", "decide"):
        paced = results["paced"].get(name, {})
        print(
            f"{args.db} {name:6s} paced: {paced.get('per_second')} req/s  "
            f"p50 {paced.get('p50_ms')} ms  p95 {paced.get('p95_ms')} ms  "
            f"p99 {paced.get('p99_ms')} ms  "
            f"errors {paced.get('errors')};  saturation "
            f"{results['saturation'][name].get('per_second')} req/s"
        )
    print("server profile (cumulative):")
    for line in results["profile_top_cumulative"]:
        print("  " + line)


if __name__ == "__main__":
    os.environ.setdefault("ONETHING_DEFINITIONS", str(ROOT / "definitions"))
    main()
