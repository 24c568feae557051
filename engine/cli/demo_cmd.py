"""`onething demo`: the only entry point that imports the demo package (`engine.demo`)."""

from __future__ import annotations

import typer

from engine.cli.common import user_errors


@user_errors
def demo(
    prefect: bool = typer.Option(
        False, "--prefect", help="Leave automatic steps to the case flows of `onething serve`."
    ),
) -> None:
    """Run every sample application in the definitions folder's samples/ to its end."""
    from engine.demo.samples import run

    views = run(prefect=prefect, echo=typer.echo)
    done = sum(1 for v in views if v["status"] in ("completed", "rejected", "refused"))
    typer.echo(f"\n{done} of {len(views)} cases ran to their end.")
