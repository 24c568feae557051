"""Entry point of the `onething` console script."""

from __future__ import annotations

import typer

from engine.cli import (
    audit_cmd,
    calendar_cmd,
    case_cmd,
    definitions_cmd,
    demo_cmd,
    notify_cmd,
    serve_cmd,
    supervise_cmd,
    users_cmd,
)

app = typer.Typer(
    name="onething",
    help="Combined government approvals (高效办成一件事) on statutory working-day clocks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(calendar_cmd.app, name="calendar")
app.add_typer(definitions_cmd.app, name="definitions")
app.add_typer(case_cmd.app, name="case")
app.add_typer(users_cmd.app, name="users")
app.add_typer(case_cmd.negative_app, name="negative")
app.add_typer(audit_cmd.app, name="audit")
app.command("demo")(demo_cmd.demo)
app.command("serve")(serve_cmd.serve)
app.add_typer(notify_cmd.app, name="notifications")
app.command("sweep")(supervise_cmd.sweep)
app.add_typer(supervise_cmd.escalations_app, name="escalations")
app.add_typer(supervise_cmd.publications_app, name="publications")


def run() -> None:
    app()


if __name__ == "__main__":
    run()
