"""`onething roster`: the examiners' roster of the inspection draw (审查员库), changed by a
department's admin or head, each change audited (import, add, disable, enable, relate)."""

from __future__ import annotations

from pathlib import Path

import typer

from engine import bootstrap, inputs
from engine.calendar.display import moment_text
from engine.cli.common import print_json, user_errors
from engine.clock import SHANGHAI
from engine.draw.book import RosterBook
from engine.draw.roster import Change, import_changes, load_roster

app = typer.Typer(
    help="The examiners' roster of the inspection draw: list, history and audited changes.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Print JSON.")
ACTOR = typer.Option(..., "--actor", help="The department's admin or head making the change.")
DEPARTMENT = typer.Option(..., "--department", help="The examiner's department.")


def _book() -> RosterBook:
    return bootstrap.draw_service().drawer.book


def _change(actor: str, changes: list[Change]) -> None:
    by = bootstrap.accounts().principal(inputs.user_actor(actor))
    done = _book().change(by, changes)
    typer.echo(
        f"{len(changes)} change(s) recorded by {by.name}; the roster is at change {done.seq}"
    )


@app.command("import")
@user_errors
def import_(path: Path, actor: str = ACTOR) -> None:
    """Add a roster file's examiners with their relations (examiners.yaml's form)."""
    _change(actor, import_changes(load_roster(path)))


@app.command()
@user_errors
def add(
    examiner: str,
    department: str = DEPARTMENT,
    name: str = typer.Option(None, "--name", help="The examiner's name."),
    actor: str = ACTOR,
) -> None:
    """Add an examiner to a department's roster."""
    data = {"name": inputs.text("name", name, limit=64)} if name else {}
    _change(actor, [Change("add", department, examiner, data)])


@app.command()
@user_errors
def disable(
    examiner: str,
    department: str = DEPARTMENT,
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit)."),
    actor: str = ACTOR,
) -> None:
    """Take an examiner out of the draws (kept on the record)."""
    _change(
        actor, [Change("disable", department, examiner, {"reason": inputs.text("reason", reason)})]
    )


@app.command()
@user_errors
def enable(examiner: str, department: str = DEPARTMENT, actor: str = ACTOR) -> None:
    """Put a disabled examiner back into the draws."""
    _change(actor, [Change("enable", department, examiner)])


@app.command()
@user_errors
def relate(
    examiner: str,
    department: str = DEPARTMENT,
    employer: str = typer.Option(None, "--employer", help="Credit code of the employer."),
    relative: list[str] = typer.Option(
        [], "--relative", help="Credit code of a relative's company."
    ),
    inspected: list[str] = typer.Option(
        [], "--inspected", help="An inspection: CREDIT-CODE@YYYY-MM-DD."
    ),
    actor: str = ACTOR,
) -> None:
    """Declare an examiner's relations: employer, relatives' companies, past inspections."""
    visits = []
    for item in inspected:
        applicant, _, on = item.rpartition("@")
        visits.append({"applicant": applicant, "on": on})
    data = {"employer": employer, "relatives": relative, "inspected": visits}
    _change(actor, [Change("relate", department, examiner, data)])


@app.command("list")
@user_errors
def list_(
    department: str = typer.Option(None, "--department", help="Only this department's."),
    as_json: bool = JSON,
) -> None:
    """The roster now, with each examiner's declared relations."""
    examiners = _book().examiners(department)
    if as_json:
        print_json([e.model_dump(mode="json") for e in examiners])
        return
    for e in examiners:
        relations = [f"employer {e.employer}"] if e.employer else []
        relations += [f"relative {r}" for r in e.relatives]
        relations += [f"inspected {i['applicant']} on {i['on']}" for i in e.inspected]
        state = "" if e.active else " (disabled)"
        typer.echo(f"{e.department}/{e.id} {e.name}{state}: " + ("; ".join(relations) or "-"))


@app.command()
@user_errors
def history(
    department: str = typer.Option(None, "--department", help="Only this department's."),
    as_json: bool = JSON,
) -> None:
    """Every audited change of the roster: when, by whom, what."""
    changes = _book().history(department)
    if as_json:
        print_json([c.model_dump(mode="json") for c in changes])
        return
    for c in changes:
        when = moment_text(c.at, SHANGHAI)
        typer.echo(f"{c.seq:4d} {when} {c.actor}: {c.kind} {c.department}/{c.examiner} {c.data}")
