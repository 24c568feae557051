"""`onething serve`: the case deployment served by this process, on a local or a given server.

Without `PREFECT_API_URL`, a Prefect server is started on 127.0.0.1 with its SQLite database in
the data directory; with it, that server is used. The process serves the `case/cases`
deployment (each flow run in a child process while it is awake, none while it waits) and
reconciles every few seconds (`flows.wake.reconcile`). The children are forked from a
forkserver that has already imported Prefect and the engine (`start_runs_from_forkserver`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

import httpx

from engine import bootstrap
from engine.errors import ServiceError

if TYPE_CHECKING:
    from engine.views.cases import CaseView

log = logging.getLogger("onething.serve")
STARTUP_SECONDS = 90


def server_env(home: Path, port: int) -> dict[str, str]:
    """The environment of an embedded Prefect server on 127.0.0.1:`port` whose state lives
    under `home`. Its port is a setting too: the UI it serves finds the API by that setting
    (`server.ui.api_url`), not by `--port`, and on another port than 4200 would show nothing."""
    sqlite = f"sqlite+aiosqlite:///{home / 'prefect.db'}"
    return {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        # SQLite by default; set PREFECT_SERVER_DATABASE_CONNECTION_URL (postgresql+asyncpg://…)
        # for many cases at once: on SQLite the server locks up under hundreds of runs.
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": os.environ.get(
            "PREFECT_SERVER_DATABASE_CONNECTION_URL", sqlite
        ),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # else "database is locked" on a new file
    }


def wait_healthy(
    api_url: str, *, process: subprocess.Popen[bytes], seconds: float, log_file: Path
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(
                f"the Prefect server exited with status {process.returncode} (its log: {log_file})"
            )
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise ServiceError(
        f"the Prefect server at {api_url} did not answer in {seconds:g} s (its log: {log_file})"
    )


def check_port_free(port: int) -> None:
    """Fail early, in one line, when another program (an earlier `onething serve`, a Prefect
    server) holds the port the embedded server needs. Connections of a server just stopped
    (TIME-WAIT) do not count: the server binds with SO_REUSEADDR, and so does the probe, or a
    restart right after a stop would be refused for a minute."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise ServiceError(
                f"port {port} on 127.0.0.1 is in use (another `onething serve` or Prefect "
                "server?): stop it, choose another with --port, or set PREFECT_API_URL to use "
                "that server"
            ) from None


@contextmanager
def prefect_server(home: Path, *, port: int, log_file: Path | None = None) -> Iterator[str]:
    """A Prefect server on 127.0.0.1:`port` for the duration; yields its API URL."""
    api_url = f"http://127.0.0.1:{port}/api"
    check_port_free(port)
    home.mkdir(parents=True, exist_ok=True)
    log_file = log_file or home / "server.log"
    out = open(log_file, "ab")  # noqa: SIM115  (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
        + ["--port", str(port)],
        env=server_env(home, port),
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(api_url, process=process, seconds=STARTUP_SECONDS, log_file=log_file)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        out.close()


# What a case flow run imports (a missing one is skipped); the forkserver imports it once.
FORKSERVER_PRELOAD = [
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.utilities.visualization",
    "anyio._backends._asyncio",
    "flows.case_flow",
    "engine.bootstrap",
    "engine.connectors.background",
    "engine.connectors.traffic_record",
    "holidays.countries.china",  # on the first working-day calendar built (0.1 s)
    "psycopg",  # the store's driver on PostgreSQL
]


class _ForkserverForSpawn:
    """The `multiprocessing` that `prefect.flow_engine` sees in the serving process: the real
    module, except that `get_context("spawn")` is the forkserver context."""

    def __init__(self, context: multiprocessing.context.ForkServerContext):
        self._context = context

    def get_context(self, method: str | None = None) -> Any:
        return self._context if method == "spawn" else multiprocessing.get_context(method)

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing, name)


def start_runs_from_forkserver() -> None:
    """Start this process's flow runs from a forkserver with Prefect and the engine imported.

    Why: a resumed case must go on within seconds (issue 5: p95 <= 5 s with 200 cases waiting).
    `Runner.aadd_flow` starts each run with `prefect.flow_engine.run_flow_in_subprocess`, which
    hard-codes `multiprocessing.get_context("spawn")`: a new interpreter that imports Prefect,
    sqlmodel and the engine again, 2-3 s of CPU per resumed run on a 2-core machine. Forked
    from a server that already has them, a run starts in milliseconds.

    How: the one module-global Prefect reads, `prefect.flow_engine.multiprocessing`, is replaced
    in this process only, so `get_context("spawn")` returns the forkserver context; everything
    else of that function stays Prefect's. Checked against Prefect 3.9.1 (pyproject pins
    >=3.9,<3.10): the function pickles its call (flow, run, context, the child's environment:
    settings, `PREFECT__CONTROL_PORT`/`_TOKEN`, deployment name) into the process's arguments
    and sets the environment in the child before anything runs, so it reaches a forked child as
    it reaches a spawned one; the runner only uses the process's pid, exitcode and join().
    A later Prefect that stops calling `multiprocessing.get_context` there just spawns again.

    The server is a new interpreter (exec'd, not forked from this threaded process), started
    here, after `PREFECT_API_URL` is set and before the runner starts: it imports the modules
    under this environment. It is one standing process holding no run; it ends after this one
    and its runs, and multiprocessing starts it again if it dies. Runs use the code imported
    when serving began (restart after an upgrade); definitions and calendars they still read.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows: spawn, as before
        return
    # Prefect is imported only once PREFECT_API_URL names the server (see `serve`).
    import prefect.flow_engine

    preload = list(FORKSERVER_PRELOAD)
    factory = (bootstrap.settings().service_factory or "").partition(":")[0]
    if factory:  # the forkserver skips a module it cannot import
        preload.append(factory)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    multiprocessing.forkserver.ensure_running()
    prefect.flow_engine.multiprocessing = _ForkserverForSpawn(context)  # type: ignore[assignment]


def serve(
    *,
    port: int,
    limit: int,
    poll_seconds: float,
    reconcile_seconds: float,
    reclaim: bool | None,
    work_pool: str | None = None,
    changed: SimpleQueue[CaseView | None] | None = None,
) -> None:
    """Serve the case deployment until interrupted (blocks); with `work_pool`, that pool's
    workers run the flows (`deploy/prefect.yaml`) and this process only reconciles.
    `changed`: the cases this process's API changed, woken as they come (`wake_changed`)."""
    external = bool(os.environ.get("PREFECT_API_URL"))
    if external:
        _serve(
            limit,
            poll_seconds,
            reconcile_seconds,
            reclaim=bool(reclaim),
            work_pool=work_pool,
            changed=changed,
        )
        return
    home = bootstrap.settings().data_dir.resolve() / "prefect"
    with prefect_server(home, port=port) as api_url:
        os.environ["PREFECT_API_URL"] = api_url  # before Prefect is imported: children inherit it
        os.environ.setdefault("PREFECT_HOME", str(home))
        log.info("Prefect server at %s (UI %s)", api_url, api_url.removesuffix("/api"))
        _serve(
            limit,
            poll_seconds,
            reconcile_seconds,
            reclaim=reclaim is not False,
            work_pool=None,
            changed=changed,
        )


def _serve(
    limit: int,
    poll_seconds: float,
    reconcile_seconds: float,
    *,
    reclaim: bool,
    work_pool: str | None,
    changed: SimpleQueue[CaseView | None] | None = None,
) -> None:
    # Prefect and the modules that import it only now: PREFECT_API_URL is set (see `serve`).
    from flows.case_flow import DEPLOYMENT, DEPLOYMENT_NAME, case_flow

    if work_pool is None:
        start_runs_from_forkserver()

    async def main() -> None:
        from prefect.runner import Runner
        from prefect.types.entrypoint import EntrypointType

        from flows.wake import FlowWaker, Waker, reconcile, wake_changed

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
        service = bootstrap.case_service()
        waker = Waker(service.engine, clock=service.clock)
        # Before the runner starts: a RUNNING run now is one a killed process left behind.
        log.info("reconciled: %s", await asyncio.to_thread(reconcile, waker, reclaim=reclaim))

        async def reconcile_forever() -> None:
            while True:
                await asyncio.sleep(reconcile_seconds)
                try:
                    done = await asyncio.to_thread(reconcile, waker)
                except Exception as exc:  # the server may be restarting: try again next round
                    log.warning("reconcile failed: %s", exc)
                    continue
                if any(done.values()):
                    log.info("reconciled: %s", done)

        waking = None
        if changed is not None:  # the API's decisions wake their runs at once
            waking = threading.Thread(
                target=wake_changed,
                args=(changed, FlowWaker(service.engine, clock=service.clock)),
                name="onething-wake",
                daemon=True,
            )
            waking.start()
        try:
            if work_pool is not None:
                log.info("reconciling %s; the workers of %s run the flows", DEPLOYMENT, work_pool)
                await reconcile_forever()
            reconciler = asyncio.create_task(reconcile_forever())
            log.info("serving %s (at most %d awake runs)", DEPLOYMENT, limit)
            try:
                await runner.start()
            finally:
                reconciler.cancel()
        finally:
            if changed is not None and waking is not None:
                changed.put(None)  # the waker's end
                waking.join(timeout=5)

    asyncio.run(main())
