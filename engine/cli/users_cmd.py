"""`onething users`: accounts, their roles and API tokens (a token is printed once)."""

from __future__ import annotations

import typer

from engine import bootstrap
from engine.access.accounts import Accounts, UserPublic
from engine.access.permissions import check_role
from engine.calendar.display import moment_text
from engine.cli.common import fail, print_json, user_errors
from engine.clock import SHANGHAI, as_utc

app = typer.Typer(help="Users, their roles and API tokens.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")
ROLE_HELP = "window, reviewer, head, leader, supervisor, admin, operator or portal"


def _accounts() -> Accounts:
    return bootstrap.accounts()


def _line(user: UserPublic) -> str:
    where = f"@{user.department}" if user.department else ""
    state = (
        f"disabled {moment_text(as_utc(user.disabled_at), SHANGHAI)}"
        if user.disabled_at
        else "enabled"
    )
    return f"{user.name:24s} {user.role + where:34s} {state}"


@app.command("add")
@user_errors
def add(
    name: str,
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    department: str = typer.Option(None, "--department", help="Not for operator or portal."),
) -> None:
    """Add a user; prints its API token once (only its hash is stored)."""
    known = bootstrap.catalogue()
    if department is not None and department not in known.departments:
        fail(f"unknown department {department!r} (known: {', '.join(known.departments)})")
    roles = set(known.departments[department].roles) if department else set()
    check_role(role, department, officer_roles=roles)
    token = _accounts().add(name, role=role, department=department)
    typer.echo(f"added {name} ({role}{'@' + department if department else ''}); token: {token}")


@app.command("list")
@user_errors
def list_(
    department: str = typer.Option(None, "--department", help="Only this department's."),
    as_json: bool = JSON,
) -> None:
    """Users, their roles and whether they are enabled (never their tokens)."""
    users = _accounts().list(department=department)
    if as_json:
        print_json([u.model_dump(mode="json") for u in users])
        return
    for user in users:
        typer.echo(_line(user))
    typer.echo("1 user" if len(users) == 1 else f"{len(users)} users")


@app.command("disable")
@user_errors
def disable(name: str) -> None:
    """Stop a user's token at once (the user stays on the record of what it did)."""
    typer.echo(_line(_accounts().disable(name)))


@app.command("rotate-token")
@user_errors
def rotate_token(name: str) -> None:
    """Give a user a new token (printed once); the old one stops at once."""
    typer.echo(f"new token for {name}: {_accounts().rotate_token(name)}")
