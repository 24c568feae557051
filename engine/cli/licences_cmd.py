"""`onething licences`: the licence library (电子证照库) — list and show certificates with their
history; revoke (吊销) or replace (换发) one, an audited action of the issuing department's
head or leader."""

from __future__ import annotations

import datetime as dt

import typer

from engine import bootstrap, inputs
from engine.calendar.display import moment_text
from engine.cli.common import offset_moment, print_json, user_errors
from engine.views.licences import CertificateView

app = typer.Typer(
    help="The licence library (电子证照库): list, show, revoke, replace certificates.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Print JSON.")
ACTOR = typer.Option(..., "--actor", help="The acting user (the issuing department's head).")
REASON = typer.Option(..., "--reason", help="Why (recorded on the certificate and the cases).")


def _when(moment: dt.datetime | None) -> str:
    return moment_text(moment, moment.tzinfo or dt.UTC) if moment else "-"


def _line(c: CertificateView) -> str:
    holder = f"{c.holder or '-'} {c.holder_name or ''}".rstrip()
    return (
        f"{c.number}  {c.type}  {c.status:<8}  {holder}  "
        f"valid {_when(c.valid_from)} → {_when(c.valid_to) if c.valid_to else 'open-ended'}"
    )


def _show(view: CertificateView, as_json: bool) -> None:
    if as_json:
        print_json(view.model_dump(mode="json"))
        return
    typer.echo(_line(view))
    typer.echo(
        f"  issued by {view.department}, case {view.case or '-'} step {view.step or '-'}"
        f" document {view.document or '-'}"
    )
    if view.replaced_by:
        typer.echo(f"  replaced by {view.replaced_by}")
    for h in view.history:
        typer.echo(f"  {_when(h.at)}  {h.what:<8} {h.by or '-'}  {h.detail}".rstrip())


@app.command("list")
@user_errors
def list_certificates(
    holder: str | None = typer.Option(None, "--holder", help="Credit code or id number."),
    type: str | None = typer.Option(
        None, "--type", help="The matter, e.g. enterprise-establishment."
    ),
    status: str | None = typer.Option(
        None, "--status", help="valid, expired, revoked or replaced (as of now)."
    ),
    as_json: bool = JSON,
) -> None:
    """The certificates in the library, oldest first."""
    found = bootstrap.licences().list(
        holder=inputs.name("holder", holder) if holder else None,
        type=inputs.name("type", type) if type else None,
        status=status,
    )
    if as_json:
        print_json([c.model_dump(mode="json") for c in found])
        return
    for c in found:
        typer.echo(_line(c))


@app.command()
@user_errors
def show(number: str, as_json: bool = JSON) -> None:
    """One certificate with its history: issued, relied on by cases, revoked or replaced."""
    _show(bootstrap.licences().show(inputs.name("certificate", number)), as_json)


@app.command()
@user_errors
def revoke(number: str, actor: str = ACTOR, reason: str = REASON, as_json: bool = JSON) -> None:
    """吊销: the issuing department's head or leader revokes a valid certificate; every case
    that relied on it is marked and its department told."""
    view = bootstrap.licences().revoke(
        inputs.name("certificate", number),
        actor=inputs.user_actor(actor),
        reason=inputs.text("reason", reason),
    )
    _show(view, as_json)


@app.command()
@user_errors
def replace(
    number: str,
    actor: str = ACTOR,
    reason: str = REASON,
    valid_to: str | None = typer.Option(
        None, "--valid-to", help="The new certificate's end (ISO date-time with its offset)."
    ),
    as_json: bool = JSON,
) -> None:
    """换发: a new certificate takes the old one's place (shown); the old one is replaced."""
    view = bootstrap.licences().replace(
        inputs.name("certificate", number),
        actor=inputs.user_actor(actor),
        reason=inputs.text("reason", reason),
        valid_to=offset_moment(valid_to) if valid_to else None,
    )
    _show(view, as_json)
