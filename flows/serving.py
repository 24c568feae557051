"""`onething serve`: the case deployment served by this process, on a local or a given server.

Without `PREFECT_API_URL`, a Prefect server is started on 127.0.0.1 with its SQLite database in
the data directory; with it, that server is used. The process serves the `case/cases`
deployment (each flow run in a child process while it is awake, none while it waits) and
reconciles every few seconds (`flows.wake.reconcile`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

log = logging.getLogger("onething.serve")
STARTUP_SECONDS = 90


def server_env(home: Path) -> dict[str, str]:
    """The environment of an embedded Prefect server whose state lives under `home`."""
    sqlite = f"sqlite+aiosqlite:///{home / 'prefect.db'}"
    return {
        **os.environ,
        "PREFECT_HOME": str(home),
        # SQLite by default; set PREFECT_SERVER_DATABASE_CONNECTION_URL (postgresql+asyncpg://…)
        # for many cases at once: on SQLite the server locks up under hundreds of runs.
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": os.environ.get(
            "PREFECT_SERVER_DATABASE_CONNECTION_URL", sqlite
        ),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # else "database is locked" on a new file
    }


def wait_healthy(api_url: str, *, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with status {process.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the Prefect server at {api_url} did not answer in {seconds:g} s")


@contextmanager
def prefect_server(home: Path, *, port: int, log_file: Path | None = None) -> Iterator[str]:
    """A Prefect server on 127.0.0.1:`port` for the duration; yields its API URL."""
    api_url = f"http://127.0.0.1:{port}/api"
    home.mkdir(parents=True, exist_ok=True)
    out = open(log_file or home / "server.log", "ab")  # noqa: SIM115  (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
        + ["--port", str(port)],
        env=server_env(home),
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(api_url, process=process, seconds=STARTUP_SECONDS)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        out.close()


def serve(
    *,
    port: int,
    limit: int,
    poll_seconds: float,
    sweep_seconds: float,
    reclaim: bool | None,
    work_pool: str | None = None,
) -> None:
    """Serve the case deployment until interrupted (blocks); with `work_pool`, that pool's
    workers run the flows (`deploy/prefect.yaml`) and this process only reconciles."""
    from engine.store import data_dir

    external = bool(os.environ.get("PREFECT_API_URL"))
    if external:
        _serve(limit, poll_seconds, sweep_seconds, reclaim=bool(reclaim), work_pool=work_pool)
        return
    home = data_dir().resolve() / "prefect"
    with prefect_server(home, port=port) as api_url:
        os.environ["PREFECT_API_URL"] = api_url  # before Prefect is imported: children inherit it
        os.environ.setdefault("PREFECT_HOME", str(home))
        log.info("Prefect server at %s (UI %s)", api_url, api_url.removesuffix("/api"))
        _serve(limit, poll_seconds, sweep_seconds, reclaim=reclaim is not False, work_pool=None)


def _serve(
    limit: int,
    poll_seconds: float,
    sweep_seconds: float,
    *,
    reclaim: bool,
    work_pool: str | None,
) -> None:
    from flows.case_flow import DEPLOYMENT, DEPLOYMENT_NAME, case_flow

    async def main() -> None:
        from prefect.runner import Runner
        from prefect.types.entrypoint import EntrypointType

        from flows.runtime import case_service
        from flows.wake import Waker, reconcile

        runner = Runner(
            name="onething", query_seconds=poll_seconds, limit=limit, pause_on_shutdown=False
        )
        if work_pool is None:
            await runner.aadd_flow(
                case_flow,
                name=DEPLOYMENT_NAME,
                tags=["onething"],
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        waker = Waker(case_service().engine)
        # Before the runner starts: a RUNNING run now is one a killed process left behind.
        log.info("reconciled: %s", await asyncio.to_thread(reconcile, waker, reclaim=reclaim))

        async def sweep() -> None:
            while True:
                await asyncio.sleep(sweep_seconds)
                try:
                    done = await asyncio.to_thread(reconcile, waker)
                except Exception as exc:  # the server may be restarting: try again next round
                    log.warning("reconcile failed: %s", exc)
                    continue
                if any(done.values()):
                    log.info("reconciled: %s", done)

        if work_pool is not None:
            log.info("reconciling %s; the workers of %s run the flows", DEPLOYMENT, work_pool)
            await sweep()
        sweeper = asyncio.create_task(sweep())
        log.info("serving %s (at most %d awake runs)", DEPLOYMENT, limit)
        try:
            await runner.start()
        finally:
            sweeper.cancel()

    asyncio.run(main())
