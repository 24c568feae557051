"""`onething notifications`: the dead-letter list and sending a dead delivery again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import typer
from sqlmodel import Session

from engine import bootstrap
from engine.calendar.display import moment_text
from engine.cli.common import fail, print_json, user_errors
from engine.clock import SHANGHAI, as_utc
from engine.notify import deliveries
from engine.views.supervision import DeliveryView

app = typer.Typer(
    help="Notification deliveries (通知投递): dead letters and retries.", no_args_is_help=True
)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON.")


@contextmanager
def open_session() -> Iterator[Session]:
    """A session on the store every command uses (migrated like theirs)."""
    try:
        with Session(bootstrap.database()) as session:
            yield session
    except sa.exc.OperationalError as exc:  # a database that is down
        fail(f"database {bootstrap.settings().store_url()}: {exc.orig}")


@app.command("dead-letters")
@user_errors
def dead_letters(as_json: bool = JSON_OPTION) -> None:
    """List the deliveries that gave up after their last attempt."""
    with open_session() as session:
        rows = [DeliveryView.of(row) for row in deliveries.dead_letters(session)]
    if as_json:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    if not rows:
        typer.echo("no dead letters")
    for row in rows:
        typer.echo(
            f"{row.id}\t{row.channel}\t{row.target}\t{row.notice_id}\t"
            f"{row.attempts} attempts\t{moment_text(as_utc(row.updated_at), SHANGHAI)}\t"
            f"{row.last_error}"
        )


@app.command()
@user_errors
def retry(record_id: int = typer.Argument(..., metavar="ID"), as_json: bool = JSON_OPTION) -> None:
    """Send dead delivery ID again, with a fresh round of attempts; exit 1 if it fails again."""
    with open_session() as session:
        result = bootstrap.dispatcher().retry(session, record_id)
        row = deliveries.get(session, record_id)
        shown = DeliveryView.of(row) if row is not None else None
    if as_json and shown is not None:
        print_json(shown.model_dump(mode="json"))
    if not result.ok:
        fail(f"delivery {record_id} failed again: {result.error}", code=1)
    if not as_json:
        typer.echo(f"delivery {record_id} sent to {result.target} after {result.attempts} attempts")
