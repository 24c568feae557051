"""The pages over 100,000 open cases on PostgreSQL, served on loopback.

Twenty-four real cases are run through the case service (three workflows' sample applications,
accepted over the last week, some steps decided, the sweep's levels fired); then each is
copied into `--cases` open cases with every row that names it (case, steps, materials,
decisions, events, escalations), by PostgreSQL's COPY. The service then serves the pages on a
loopback port and an operator's and a reviewer's sessions ask, one request at a time:
the overview (运行总览, counts in the database), a case page (办件详情, with its Gantt) and a
department's worklist (待办). Targets: overview p95 < 200 ms, case and worklist p95 < 100 ms.

    .venv/bin/python benchmarks/bench_pages.py [--cases 100000] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.api.app import create_app  # noqa: E402
from engine.api.server import serving  # noqa: E402
from engine.demo.driver import Driver, seed_officers  # noqa: E402
from engine.store import dispose_engines  # noqa: E402
from tests.fixtures.api import Clock, services_over  # noqa: E402
from tests.fixtures.definitions import DEFINITIONS  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 8, 10, 0, tzinfo=TZ)  # a Tuesday
SAMPLES = (
    "utility-external-works-long",
    "foreign-work-permit-exit-entry",
    "utility-external-works",
)
TEMPLATES_PER_SAMPLE = 8
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
TARGETS_MS = {"overview": 200, "case": 100, "worklist": 100}


def seed_templates(services: Any, clock: Clock) -> list[str]:
    """Real cases accepted over the last week (some overdue, some turning yellow or red by
    Friday); a third have their first steps decided."""
    seed_officers(services.cases, services.catalogue())
    driver = Driver(services.cases)
    ids = []
    for n in range(TEMPLATES_PER_SAMPLE * len(SAMPLES)):
        sample = SAMPLES[n % len(SAMPLES)]
        application = json.loads((DEFINITIONS / "samples" / f"{sample}.json").read_text("utf-8"))
        clock.now = NOW - dt.timedelta(days=7) + dt.timedelta(hours=7 * n)
        workflow = services.cases.workflows(application["workflow"], None)
        view = driver.accept(services.cases.submit(workflow.id, application), workflow)
        if n % 3 == 0:
            first = next(s for s in view.steps if s.status == "active")
            step = workflow.step(first.id)
            if step.draw is None and step.signers is not None:
                view = driver.complete(view, step)
        ids.append(view.id)
    clock.now = NOW
    services.supervision.sweep(at=NOW)
    return ids


def copy_cases(engine: sa.Engine, templates: list[str], total: int) -> None:
    """`total` cases, copies of the templates: every row naming a template, its id replaced,
    written by COPY (integer keys left to their sequences)."""
    meta = sa.MetaData()
    meta.reflect(engine)
    tables = [meta.tables["cases"]] + [
        t for name, t in meta.tables.items() if "case_id" in t.c and name != "cases"
    ]
    rows: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as db:
        for table in tables:
            key = table.c.id if table.name == "cases" else table.c.case_id
            rows[table.name] = [
                dict(r._mapping) for r in db.execute(table.select().where(key.in_(templates)))
            ]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in tables:
            columns = [c.name for c in table.c if not (c.name == "id" and table.name != "cases")]
            by_case: dict[str, list[dict[str, Any]]] = {}
            for row in rows[table.name]:
                by_case.setdefault(row["id" if table.name == "cases" else "case_id"], []).append(
                    row
                )
            quoted = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for n in range(total - len(templates)):
                    template = templates[n % len(templates)]
                    new = f"{template[:9]}b{n:09d}"
                    for row in by_case.get(template, []):
                        copy.write_row([_renamed(row[c], template, new) for c in columns])
        raw.commit()
        # VACUUM (outside a transaction): the visibility map autovacuum keeps in a running
        # store, which index-only scans read
        driver = raw.driver_connection
        assert driver is not None
        driver.autocommit = True
        cursor.execute("VACUUM ANALYZE")
        driver.autocommit = False
    finally:
        raw.close()


def _renamed(value: Any, old: str, new: str) -> Any:
    return value.replace(old, new) if isinstance(value, str) else value


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"onething_pages_{secrets.token_hex(4)}"
    with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        dispose_engines()
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def session(base: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    found = CSRF.search(client.get("/login").text)
    assert found is not None
    answer = client.post("/login", data={"token": token, "csrf": found[1]})
    assert answer.status_code == 303, answer.text
    return client


def timed(client: httpx.Client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        began = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return times


def figures(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


def run(cases: int, requests: int) -> dict[str, Any]:
    clock = Clock(NOW)
    with fresh_database() as url:
        services = services_over(url, clock)
        began = time.perf_counter()
        templates = seed_templates(services, clock)
        copy_cases(services.cases.engine, templates, cases)
        seeded = time.perf_counter() - began
        engine = services.cases.engine
        with engine.connect() as db:
            counted = db.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
            open_steps = db.execute(
                sa.text("SELECT count(*) FROM step_runs WHERE is_open")
            ).scalar_one()
            ids = [
                r[0]
                for r in db.execute(sa.text("SELECT id FROM cases ORDER BY random() LIMIT 500"))
            ]
        tokens = {
            "ops": services.accounts.add("bench-ops", role="operator", department=None),
            "reviewer": services.accounts.add("bench-rev", role="reviewer", department="municipal"),
        }
        results: dict[str, Any] = {
            "cases": counted,
            "open_steps": open_steps,
            "seed_seconds": round(seeded, 1),
        }
        with serving(create_app(services), port=0) as base:
            ops, reviewer = session(base, tokens["ops"]), session(base, tokens["reviewer"])
            pages = {
                "overview": (ops, ["/overview"] * max(20, requests // 5)),
                "case": (ops, [f"/cases/{ids[i % len(ids)]}" for i in range(requests)]),
                "worklist": (reviewer, ["/worklist"] * requests),
            }
            for name, (client, paths) in pages.items():
                timed(client, paths[:3])  # warm the caches (templates, parsed workflows)
                results[name] = figures(timed(client, paths))
                results[name]["ok"] = results[name]["p95_ms"] < TARGETS_MS[name]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="per page (overview: a fifth)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.cases, args.requests)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"PostgreSQL: {result['cases']:,} cases, {result['open_steps']:,} open steps "
        f"(seeded in {result['seed_seconds']} s)"
    )
    for name, target in TARGETS_MS.items():
        r = result[name]
        print(
            f"  {name:<9} p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  "
            f"max {r['max_ms']:>7.1f} ms  ({r['n']} requests)  "
            + ("ok" if r["ok"] else f"OVER TARGET ({target} ms)")
        )


if __name__ == "__main__":
    main()
