"""Entry point of the `onething` console script.

Each command's module is imported when that command runs (`LazyCommands`): the case, registry
and supervision commands load the database and its services, and `onething calendar` must
start without them (tests/e2e/test_calendar_cli.py).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

from engine import bootstrap
from engine.cli import calendar_cmd
from engine.cli.common import fail
from engine.settings import SettingsError

# command name → (module in engine/cli, its Typer or command function)
COMMANDS = {
    "definitions": ("definitions_cmd", "app"),
    "case": ("case_cmd", "app"),
    "users": ("users_cmd", "app"),
    "negative": ("case_cmd", "negative_app"),
    "audit": ("audit_cmd", "app"),
    "draw": ("draw_cmd", "app"),
    "roster": ("roster_cmd", "app"),
    "demo": ("demo_cmd", "demo"),
    "serve": ("serve_cmd", "serve"),
    "notifications": ("notify_cmd", "app"),
    "sweep": ("supervise_cmd", "sweep"),
    "escalations": ("supervise_cmd", "escalations_app"),
    "publications": ("supervise_cmd", "publications_app"),
    "licences": ("licences_cmd", "app"),
}


class LazyCommands(TyperGroup):
    """The top-level group: `calendar` is built in, the others are imported when asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attribute = COMMANDS[cmd_name]
        found = getattr(importlib.import_module(f"engine.cli.{module}"), attribute)
        command: Any
        if isinstance(found, typer.Typer):
            command = typer.main.get_group(found)
        else:
            single = typer.Typer()
            single.command(cmd_name)(found)
            command = typer.main.get_command(single)
        command.name = cmd_name
        return command


app = typer.Typer(
    name="onething",
    cls=LazyCommands,
    help="Combined government approvals (高效办成一件事) on statutory working-day clocks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(calendar_cmd.app, name="calendar")


@app.callback()
def start() -> None:
    """Read the settings before any command: a wrong one is one line (exit 2), not a failure
    at first use."""
    try:
        bootstrap.settings()
    except SettingsError as exc:
        fail(str(exc))


def run() -> None:
    app()


if __name__ == "__main__":
    run()
