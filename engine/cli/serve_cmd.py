"""`onething serve`: the HTTP API, every case as a Prefect flow (on a local server or
`PREFECT_API_URL`), the supervision sweep and the signed audit checkpoints, in one process
tree that Ctrl-C or SIGTERM stops."""

from __future__ import annotations

import logging
import signal
from queue import SimpleQueue
from typing import TYPE_CHECKING

import typer

from engine import bootstrap
from engine.api.app import create_app
from engine.api.server import serving
from engine.cases.checkpointing import start_checkpointer
from engine.cli.common import user_errors
from engine.escalation.scheduler import start_sweeper
from flows.serving import serve as run

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from engine.demo.living import Seeded
    from engine.views.cases import CaseView

PORT = typer.Option(4200, help="Port of the embedded Prefect server (without PREFECT_API_URL).")
LIMIT = typer.Option(50, help="Most case flow runs awake at once (waiting ones do not count).")
POLL = typer.Option(0.5, help="Seconds between looks for flow runs to start or resume.")
RECONCILE_EVERY = typer.Option(
    5.0, "--reconcile-every", help="Seconds between reconciliations of cases and flow runs."
)
WORK_POOL = typer.Option(
    None,
    help="Leave the flows to this work pool's workers (deploy/prefect.yaml; needs "
    "PREFECT_API_URL); only start and wake runs here.",
)
API_PORT = typer.Option(8000, "--api-port", help="Port of the HTTP API on 127.0.0.1.")
DEMO = typer.Option(
    False,
    "--demo",
    help="Seed living demo cases (on time, yellow, red, awaiting a leader or a correction) "
    "and one user per role; print their tokens.",
)
RECLAIM = typer.Option(
    None,
    "--reclaim/--no-reclaim",
    help="At start, reschedule case runs left running by a killed process "
    "(default: on with the embedded server, off with PREFECT_API_URL).",
)


@user_errors
def serve(
    port: int = PORT,
    limit: int = LIMIT,
    poll: float = POLL,
    reconcile_every: float = RECONCILE_EVERY,
    reclaim: bool | None = RECLAIM,
    work_pool: str | None = WORK_POOL,
    api_port: int = API_PORT,
    demo: bool = DEMO,
) -> None:
    """Serve the HTTP API (127.0.0.1:8000, docs at /docs) and the case flow (`case/cases`): a
    local Prefect server on 127.0.0.1 unless PREFECT_API_URL names one; the data directory
    keeps its database, so a second start carries on."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Prefect API call
    # SIGTERM stops like Ctrl-C: every part's `finally` runs
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    seeded = None
    if demo:
        from engine.demo.living import seed_living

        seeded = seed_living(bootstrap.supervision(), bootstrap.accounts(), echo=typer.echo)
    # the API's commits queue their cases for `run` to wake (it imports Prefect once it has
    # pointed it at its server); the reconciliation (--reconcile-every) is the safety net
    changed: SimpleQueue[CaseView | None] = SimpleQueue()
    app = create_app(bootstrap.api_services(after_commit=changed.put))
    sweeper = start_sweeper(  # electronic supervision (电子监察), every ONETHING_SWEEP_SECONDS
        bootstrap.supervision(),
        seconds=bootstrap.settings().sweep_seconds,
        first_at=bootstrap.clock(),
    )
    _checkpoints(sweeper)
    try:
        with serving(app, port=api_port) as url:
            _announce(url, seeded)
            run(
                port=port,
                limit=limit,
                poll_seconds=poll,
                reconcile_seconds=reconcile_every,
                reclaim=reclaim,
                work_pool=work_pool,
                changed=changed,
            )
    except KeyboardInterrupt:
        typer.echo("onething serve: stopped")
    finally:
        sweeper.shutdown(wait=False)


def _checkpoints(scheduler: BaseScheduler) -> None:
    """The signed audit checkpoint every ONETHING_CHECKPOINT_MINUTES, exported to
    ONETHING_CHECKPOINT_DIR; off (and said so) without ONETHING_AUDIT_KEY."""
    configured = bootstrap.settings()
    if not configured.audit_key:
        typer.echo("audit checkpoints off: ONETHING_AUDIT_KEY is not set", err=True)
        return
    folder = configured.checkpoints()
    start_checkpointer(
        bootstrap.case_service().engine,
        key=configured.audit_key.encode("utf-8"),
        minutes=configured.checkpoint_minutes,
        folder=folder,
        clock=bootstrap.clock,
        scheduler=scheduler,
    )
    typer.echo(
        f"audit checkpoints every {configured.checkpoint_minutes:g} minutes, exported to {folder}"
    )


def _announce(url: str, seeded: Seeded | None) -> None:
    typer.echo(f"onething API at {url}/api/v1 (OpenAPI {url}/docs, metrics {url}/metrics)")
    for line in seeded.lines(url) if seeded else ():
        typer.echo(line)
