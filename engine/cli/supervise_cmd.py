"""`onething sweep`, `onething escalations …`, `onething publications export`: supervision
(电子监察) and the public listing (双公示) from the command line."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import textwrap
from collections.abc import Callable
from zoneinfo import ZoneInfo

import typer

from engine import bootstrap
from engine.cli.common import fail, print_json, user_errors
from engine.escalation.fired import Fired
from engine.escalation.publications import publications
from engine.escalation.sweep import Supervision
from engine.views.supervision import PUBLICATION_FIELDS, EscalationView, SweepView

escalations_app = typer.Typer(
    help="Escalations (监察记录): list, acknowledge (签收), order (督办).", no_args_is_help=True
)
publications_app = typer.Typer(
    help="The public listing of decisions (双公示).", no_args_is_help=True
)

JSON = typer.Option(False, "--json", help="Print JSON.")
SHANGHAI = "Asia/Shanghai"


def _moment(text: str) -> dt.datetime:
    """`2026-10-09`, `2026-10-09T17:30` or with an offset; naive means Shanghai time."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"not a date or time: {text!r} (e.g. 2026-10-09 or 2026-10-09T17:30)")
    if len(text) == 10:  # a date: the end of that day
        moment = moment.replace(hour=23, minute=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(SHANGHAI))


def _supervision() -> Supervision:
    return bootstrap.supervision()


@user_errors
def sweep(
    at: str = typer.Option(None, "--at", help="Sweep as of this time (default: now)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Only list what would fire by then (a forecast); change nothing."
    ),
    as_json: bool = JSON,
) -> None:
    """Run one supervision sweep: fire every level due, then send the notices. Each level is
    written as its batch is done (the JSON too), the count last."""
    supervision = _supervision()
    moment = _moment(at) if at else supervision.cases.clock()
    if as_json:
        _sweep_json(supervision, moment, dry_run=dry_run)
        return
    report = supervision.sweep(at=moment, dry_run=dry_run, each=_print_level(dry_run))
    verb = "would fire" if dry_run else "fired"
    typer.echo(f"{report.levels} levels {verb} as of {_moment_text(report.at)}")


def _sweep_json(supervision: Supervision, moment: dt.datetime, *, dry_run: bool) -> None:
    """The sweep's report as one JSON object (`SweepView`), its levels streamed as they fire;
    nothing is written if the sweep cannot start (a moment outside the calendars)."""
    out = sys.stdout
    started = False

    def start() -> None:
        nonlocal started
        if not started:
            head = SweepView(at=moment, dry_run=dry_run, cases=0, fired=[]).model_dump(mode="json")
            out.write(f'{{\n  "at": {json.dumps(head["at"])},\n  "dry_run": {json.dumps(dry_run)},')
            out.write('\n  "fired": [')
            started = True

    def level(fired: Fired) -> None:
        first = not started
        start()
        text = json.dumps(fired.view().model_dump(mode="json"), ensure_ascii=False, indent=2)
        out.write(("\n" if first else ",\n") + textwrap.indent(text, "    "))

    report = supervision.sweep(at=moment, dry_run=dry_run, each=level)
    closing = "\n  ]" if started else "]"
    start()
    out.write(f'{closing},\n  "cases": {report.cases}\n}}\n')


def _zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(SHANGHAI)


def _moment_text(moment: dt.datetime) -> str:
    from engine.calendar.display import moment_text

    return moment_text(moment, _zone())


def _print_level(dry_run: bool) -> Callable[[Fired], None]:
    from engine.calendar.display import elapsed_text

    def line(fired: Fired) -> None:
        late = f"\tlate by {elapsed_text(fired.late_by)}" if fired.late_by and not dry_run else ""
        flag = "\tprovisional" if fired.notice.provisional else ""
        typer.echo(
            f"{fired.case_id}\t{fired.step_id or '(case)'}\t{fired.level}\t"
            f"{_moment_text(fired.scheduled_at)}\t"
            + ",".join(f"{d}/{r}" for d, r in fired.recipients)
            + late
            + flag
        )

    return line


@escalations_app.command("list")
@user_errors
def list_escalations(
    case: str = typer.Option(None, "--case", help="Only this case."),
    open_only: bool = typer.Option(False, "--open", help="Only those not acknowledged."),
    as_json: bool = JSON,
) -> None:
    """Levels fired, newest first."""
    rows = _supervision().escalations(case_id=case, open_only=open_only)
    if as_json:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    if not rows:
        typer.echo("no escalations")
    for row in rows:
        _show(row, as_json=False)


def _show(row: EscalationView, *, as_json: bool) -> None:
    if as_json:
        print_json(row.model_dump(mode="json"))
        return
    from engine.calendar.display import elapsed_text, moment_text

    extra = []
    if row.acknowledged_by:
        extra.append(f"acknowledged by {row.acknowledged_by}")
    if row.order_due:
        due = moment_text(row.order_due, _zone())
        extra.append(f"ordered by {row.ordered_by} to finish by {due}")
    if row.late_by_seconds:
        extra.append(f"late by {elapsed_text(dt.timedelta(seconds=row.late_by_seconds))}")
    fired = moment_text(row.fired_at, _zone())
    typer.echo("\t".join([str(row.id), row.case, row.step or "(case)", row.level, fired] + extra))


@escalations_app.command("ack")
@user_errors
def ack(
    escalation_id: int = typer.Argument(..., metavar="ID"),
    by: str = typer.Option(..., "--by", help="The officer acknowledging (签收)."),
    as_json: bool = JSON,
) -> None:
    """Acknowledge escalation ID (recorded on the case)."""
    from engine import inputs

    _show(_supervision().acknowledge(escalation_id, actor=inputs.user_actor(by)), as_json=as_json)


@escalations_app.command("order")
@user_errors
def order(
    escalation_id: int = typer.Argument(..., metavar="ID"),
    due: str = typer.Option(..., "--due", help="Finish by this date (its close of business)."),
    by: str = typer.Option(..., "--by", help="The supervisor giving the order (督办)."),
    as_json: bool = JSON,
) -> None:
    """Order the step of escalation ID finished by a date; accountability follows if missed."""
    from engine import inputs

    when: dt.date | dt.datetime = _moment(due).date() if len(due) == 10 else _moment(due)
    _show(
        _supervision().order(escalation_id, actor=inputs.user_actor(by), due=when),
        as_json=as_json,
    )


@publications_app.command("export")
@user_errors
def export(
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
) -> None:
    """Write the public listing of licensing decisions to stdout."""

    if fmt not in ("csv", "json"):
        fail(f"--format is csv or json, not {fmt!r}")
    service = _supervision()
    rows = [p.model_dump(mode="json") for p in publications(service.cases, service.catalogue)]
    if fmt == "json":
        print_json(rows)
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=PUBLICATION_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
