"""`onething demo`: the only entry point that imports the demo package (`engine.demo`)."""

from __future__ import annotations

import time

import httpx
import typer

from engine import bootstrap
from engine.cli.common import user_errors
from engine.demo.samples import run
from engine.errors import OnethingError
from flows.urls import api_url


@user_errors
def demo(
    prefect: bool = typer.Option(
        False, "--prefect", help="Leave automatic steps to the case flows of `onething serve`."
    ),
) -> None:
    """Run every sample application in the definitions folder's samples/ to its end."""
    if prefect:
        # Prefect only with --prefect: the demo without flows runs without it.
        from flows.wake import waking

        _wait_for_case_flows()
        service = waking(bootstrap.case_service())  # every commit starts or resumes its run
    else:
        service = bootstrap.case_service()
    views = run(service, flows=prefect, echo=typer.echo)
    done = sum(1 for v in views if v.status in ("completed", "rejected", "refused"))
    typer.echo(f"\n{done} of {len(views)} cases ran to their end.")


def _wait_for_case_flows(*, seconds: float = 180.0) -> None:
    """Wait until the Prefect API of `onething serve` answers and serves the case flows."""
    from flows.case_flow import DEPLOYMENT  # imports Prefect (see above)

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{api_url()}/deployments/name/{DEPLOYMENT}", timeout=2)
            if answer.status_code == 200:
                typer.echo(f"Prefect at {api_url()} serves {DEPLOYMENT}")
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise OnethingError(f"no Prefect server with {DEPLOYMENT} at {api_url()}: run `onething serve`")
