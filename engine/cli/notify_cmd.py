"""`onething notifications`: the dead-letter list and sending a dead delivery again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from engine.cli.common import fail, print_json, user_errors

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(
    help="Notification deliveries (通知投递): dead letters and retries.", no_args_is_help=True
)

DEFAULT_DATABASE = "sqlite:///.onething/onething.db"
JSON_OPTION = typer.Option(False, "--json", help="Print JSON.")


@contextmanager
def open_session() -> Iterator[Session]:
    """A session on `ONETHING_DATABASE_URL` (default: the SQLite file under .onething/)."""
    import sqlalchemy as sa
    from sqlmodel import Session

    url = os.environ.get("ONETHING_DATABASE_URL", DEFAULT_DATABASE)
    engine = sa.create_engine(url)
    try:
        with Session(engine) as session:
            yield session
    except sa.exc.OperationalError as exc:  # a database that is down or not migrated
        fail(f"database {engine.url.render_as_string()}: {exc.orig}")
    finally:
        engine.dispose()


@app.command("dead-letters")
@user_errors
def dead_letters(as_json: bool = JSON_OPTION) -> None:
    """List the deliveries that gave up after their last attempt."""
    from engine.notify import deliveries
    from engine.views.supervision import DeliveryView

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
            f"{row.attempts} attempts\t{row.updated_at:%Y-%m-%d %H:%M:%S}Z\t{row.last_error}"
        )


@app.command()
@user_errors
def retry(record_id: int = typer.Argument(..., metavar="ID"), as_json: bool = JSON_OPTION) -> None:
    """Send dead delivery ID again, with a fresh round of attempts; exit 1 if it fails again."""
    from engine.notify import deliveries
    from engine.notify.dispatch import Dispatcher
    from engine.views.supervision import DeliveryView

    with open_session() as session:
        result = Dispatcher().retry(session, record_id)
        row = deliveries.get(session, record_id)
        shown = DeliveryView.of(row) if row is not None else None
    if as_json and shown is not None:
        print_json(shown.model_dump(mode="json"))
    if not result.ok:
        fail(f"delivery {record_id} failed again: {result.error}", code=1)
    if not as_json:
        typer.echo(f"delivery {record_id} sent to {result.target} after {result.attempts} attempts")
