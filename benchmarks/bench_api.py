"""The HTTP API under load on loopback: uvicorn serving the API in its own process, locust's
FastHttpUser (gevent) generating the load in this one, so the generator is not the bottleneck.

(a) `--clients 50` clients, each about one request a second for `--seconds 60`: 80% reads (a
case page, the reviewer's worklist), 20% decisions (a reviewer approves a step); p50/p95/p99
of each (targets: p95 < 50 ms for reads, < 150 ms for decisions). (b) closed loop, no think
time: the saturation throughput of reads and of decisions, and where the server's time goes
(its stacks sampled in every thread). On SQLite and on PostgreSQL (`--db`). The clients arrive
over 5 s and the next 5 s are not counted (`RAMP_S`, `WARM_UP_S`).

    .venv/bin/python benchmarks/bench_api.py --db sqlite --json
"""

from __future__ import annotations

import argparse
import contextlib
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
RAMP_S, WARM_UP_S = 5.0, 5.0  # the clients arrive over RAMP_S; then WARM_UP_S not counted


# -- the server process (imports the engine, never gevent) -----------------------------------


def serve(url: str, port: int, cases: int, ready: Path) -> None:
    """Seed `cases` accepted road-works cases and one reviewer, write what the load needs to
    `ready`, then serve the API on 127.0.0.1:`port` until SIGINT."""
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
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    config = uvicorn.Config(
        create_app(services), port=port, log_level="warning", access_log=False, lifespan="off"
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()


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
    profile: Path | None = None,
) -> dict[str, Any]:
    """Run `clients` users for `seconds`; `paced`: about one request a second each, else none
    between requests; `mix`: reads and decisions 80/20, or only `read` or only `decide`.
    With each kind's latencies, the server's CPU per request (all kinds together); `profile`:
    the server's stacks sampled in every thread while counted, written there."""
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
    # the clients arrive over RAMP_S, as officers do, not in one burst of `clients` requests
    # at the same instant; what the warm-up sees (the first connections, the first plans of
    # each query) is not counted
    runner.start(clients, spawn_rate=clients / RAMP_S)
    gevent.sleep(RAMP_S + WARM_UP_S)
    env.stats.reset_all()
    cpu_before = server_cpu_s(server)
    sampler = _sample(server, seconds, profile) if profile else None
    gevent.sleep(seconds)
    cpu = server_cpu_s(server) - cpu_before
    runner.quit()
    if sampler:
        sampler.wait(timeout=30)
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


OURS = ("engine/", "flows/")
IDLE = ("Condition.wait", "EpollSelector.select")  # a worker thread or the event loop waiting
LAYERS = {  # where a sampled stack's innermost frame is: the layer its time is spent in
    "database driver": ("sqlite3", "psycopg", "sqlalchemy/engine/default.py"),
    "sqlalchemy": ("sqlalchemy/",),
    "pydantic": ("pydantic",),
    "fastapi/starlette": ("fastapi/", "starlette/", "anyio/"),
    "uvicorn/asyncio": ("uvicorn/", "asyncio/", "selectors.py", "h11/", "threading.py"),
    "engine": OURS,
}


def _frame(text: str) -> tuple[str, str]:
    """A py-spy frame `function (path:line)` as (function, path without its line)."""
    name, _, where = text.partition(" (")
    return name, where.rstrip(")").rsplit(":", 1)[0]


def _sample(server: int, seconds: float, to: Path) -> subprocess.Popen[bytes]:
    """py-spy samples the server's stacks in every thread (cProfile would see only the event
    loop's, not the worker threads where the routes run) for `seconds`, into `to`."""
    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "-p", str(server), "-d", str(int(seconds)), "-r", "250"]
    command += ["-f", "raw", "-o", str(to), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def where_time_goes(samples: Path) -> dict[str, Any]:
    """From py-spy's raw stacks: the share of busy samples (not waiting) by layer (the
    innermost frame's), and the engine's functions that take the largest share (a frame
    counted once a stack)."""
    layers: dict[str, int] = dict.fromkeys([*LAYERS, "other"], 0)
    engine: dict[str, int] = {}
    total = 0
    for line in samples.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = [_frame(f) for f in stack.split(";")]
        if frames[-1][0] in IDLE:
            continue
        total += n
        where = frames[-1][1]
        layer = next((k for k, paths in LAYERS.items() if where.startswith(paths)), "other")
        layers[layer] += n
        for frame in {f"{name} ({path})" for name, path in frames if path.startswith(OURS)}:
            engine[frame] = engine.get(frame, 0) + n
    share = {k: round(v * 100 / max(total, 1), 1) for k, v in layers.items()}
    ranked = sorted(engine.items(), key=lambda kv: kv[1], reverse=True)[:12]
    return {
        "samples": total,
        "layers": share,
        "engine": [f"{n * 100 / max(total, 1):5.1f}% {name}" for name, n in ranked],
    }


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


def _phase(url: str, cases: int) -> Any:
    """Start a server over the empty store at `url`, seeded with `cases` accepted cases."""
    port = 18000 + secrets.randbelow(2000)
    ready = Path(tempfile.mkdtemp(prefix="bench-api-ready-")) / "ready.json"
    command = [sys.executable, __file__, "--serve", url, str(port), str(cases), str(ready)]
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
        serve(url, port, cases, Path(ready))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--saturation-seconds", type=float, default=15.0)
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    args = parser.parse_args()
    results: dict[str, Any] = {"db": args.db, "clients": args.clients, "seconds": args.seconds}
    paced_s = args.seconds + RAMP_S + WARM_UP_S
    decisions = int(args.clients * paced_s * 0.25) // len(STEPS) + 10
    url, database = _store(args.db)
    try:
        server, seeded, base = _phase(url, decisions)
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
    # enough steps that the closed loop of decisions never runs out of them
    saturated_s = args.saturation_seconds + RAMP_S + WARM_UP_S
    url, database = _store(args.db)
    try:
        server, seeded, base = _phase(url, max(1000, int(saturated_s * 150) // len(STEPS)))
        try:
            saturated, results["profile"] = {}, {}
            for mix in ("read", "decide"):
                samples = Path(tempfile.mkdtemp(prefix="bench-api-prof-")) / f"{mix}.txt"
                found = load(
                    base, seeded["token"], seeded["cases"],
                    clients=20, seconds=args.saturation_seconds, paced=False, mix=mix,
                    server=server.pid, profile=samples,
                )  # fmt: skip
                saturated[mix] = {
                    **found.get(mix, {}),
                    "server_cpu_ms_per_request": found["server_cpu_ms_per_request"],
                }
                results["profile"][mix] = where_time_goes(samples)
            results["saturation"] = saturated
        finally:
            _stop(server)
    finally:
        _drop(database)
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
    for mix, found in results["profile"].items():
        print(
            f"where a saturated server's time goes ({mix}), share of its samples in every thread:"
        )
        print("  by layer: " + ", ".join(f"{k} {v}%" for k, v in found["layers"].items()))
        for line in found["engine"]:
            print("  " + line)


if __name__ == "__main__":
    os.environ.setdefault("ONETHING_DEFINITIONS", str(ROOT / "definitions"))
    main()
