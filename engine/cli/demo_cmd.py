"""`onething demo`: the only entry point that imports the demo package (`engine.demo`)."""

from __future__ import annotations

import time

import typer

from engine.cli.common import user_errors
from engine.errors import OnethingError


@user_errors
def demo(
    prefect: bool = typer.Option(
        False, "--prefect", help="Leave automatic steps to the case flows of `onething serve`."
    ),
) -> None:
    """Run every sample application in the definitions folder's samples/ to its end."""
    from engine.demo.samples import run

    if prefect:
        from flows.runtime import case_service

        _wait_for_case_flows()
        service = case_service(wake=True)  # every commit starts or resumes the case's run
    else:
        from engine.app import case_service as configured

        service = configured()
    views = run(service, flows=prefect, echo=typer.echo)
    done = sum(1 for v in views if v.status in ("completed", "rejected", "refused"))
    typer.echo(f"\n{done} of {len(views)} cases ran to their end.")


def _wait_for_case_flows(*, seconds: float = 180.0) -> None:
    """Wait until the Prefect API of `onething serve` answers and serves the case flows."""
    import httpx

    from flows.case_flow import DEPLOYMENT
    from flows.runtime import api_url

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
