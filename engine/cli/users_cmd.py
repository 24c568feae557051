"""`onething users`: accounts, their roles and API tokens (a token is printed once)."""

from __future__ import annotations

import typer

from engine import bootstrap
from engine.access.accounts import Accounts, UserPublic, posts_of
from engine.access.permissions import check_posts
from engine.calendar.display import moment_text
from engine.cli.common import print_json, user_errors
from engine.clock import SHANGHAI, as_utc

app = typer.Typer(help="Users, their roles and API tokens.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")
ROLE_HELP = (
    "role or role:department, repeatable (a reviewer here and a head there): window, "
    "reviewer, head, leader, supervisor, admin, operator or portal"
)


def _accounts() -> Accounts:
    return bootstrap.accounts()


def _line(user: UserPublic) -> str:
    state = (
        f"disabled {moment_text(as_utc(user.disabled_at), SHANGHAI)}"
        if user.disabled_at
        else "enabled"
    )
    return f"{user.name:24s} {', '.join(user.roles):34s} {state}"


@app.command("add")
@user_errors
def add(
    name: str,
    role: list[str] = typer.Option(..., "--role", help=ROLE_HELP),
    department: str = typer.Option(
        None, "--department", help="The department of a --role given without one."
    ),
) -> None:
    """Add a user with one or more roles; prints its API token once (only its hash is
    stored)."""
    posts = posts_of(role, department)
    known = bootstrap.catalogue().departments
    check_posts(posts, {d.id: d.roles for d in known.values()})
    token = _accounts().add(name, role=role, department=department)
    typer.echo(f"added {name} ({', '.join(str(p) for p in posts)}); token: {token}")


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
