"""`onething serve`: run every case as a Prefect flow, on a local server or `PREFECT_API_URL`."""

from __future__ import annotations

import logging

import typer

from engine import bootstrap
from engine.cli.common import user_errors
from engine.escalation.scheduler import start_sweeper
from flows.serving import serve as run

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
) -> None:
    """Serve the case flow (`case/cases`): a local Prefect server on 127.0.0.1 unless
    PREFECT_API_URL names one; the data directory keeps its database."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Prefect API call
    sweeper = start_sweeper(  # electronic supervision (电子监察), every ONETHING_SWEEP_SECONDS
        bootstrap.supervision(),
        seconds=bootstrap.settings().sweep_seconds,
        first_at=bootstrap.clock(),
    )
    try:
        run(
            port=port,
            limit=limit,
            poll_seconds=poll,
            reconcile_seconds=reconcile_every,
            reclaim=reclaim,
            work_pool=work_pool,
        )
    finally:
        sweeper.shutdown(wait=False)
