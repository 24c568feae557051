"""`onething definitions`: validate, plan, draw and register combined workflow definitions.

Module-level imports stay light: the definitions core and the store load inside commands.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
import typer

from engine import bootstrap
from engine.cli.common import print_json, user_errors
from engine.definitions import (
    Catalogue,
    Workflow,
    enclosing_root,
    load_catalogue,
    load_workflow,
    make_plan,
    render_plan,
    validate_paths,
)
from engine.definitions.diagram import FORMATS
from engine.definitions.diagram import diagram as draw
from engine.definitions.loader import load_application, read_source, source_problem
from engine.definitions.problems import DefinitionError
from engine.definitions.schema import SCHEMAS, json_schema
from engine.errors import InputError, SourceError
from engine.registry import diff as compare
from engine.registry import list_workflows, workflow_source
from engine.registry import register as store
from engine.registry import retire as stop
from engine.registry import show as find
from engine.registry.service import public
from engine.views.definitions import PlanView, WorkflowSourceView

app = typer.Typer(
    help="Combined workflow definitions (一件事): validate, plan, diagram, registry.",
    no_args_is_help=True,
)

EXIT_PROBLEMS = 1
DEFINITIONS_OPTION = typer.Option(
    None,
    "--definitions",
    "-d",
    help="The definitions folder (default: $ONETHING_DEFINITIONS, else ./definitions).",
)
WORKFLOW_ARGUMENT = typer.Argument(
    ..., help="A workflow id (in definitions/workflows/ or the registry) or a file path."
)


def definitions_dir(option: Path | None) -> Path:
    return option or bootstrap.definitions_root()


def _catalogue(root: Path) -> Catalogue:
    return load_catalogue(root)


def _engine() -> sa.Engine:
    return bootstrap.database()


def _workflow(ref: str, root: Path) -> Workflow:
    """A file path, else `workflows/<ref>.yaml`, else the registry's current version."""
    catalogue = _catalogue(root)
    for path in (Path(ref), root / "workflows" / f"{ref}.yaml"):
        if path.is_file():
            return load_workflow(path, catalogue)
    return workflow_source(_engine(), catalogue)(ref, None)


@app.command()
@user_errors
def validate(
    paths: list[Path] = typer.Argument(..., help="Files or folders to check."),
    definitions: Path | None = DEFINITIONS_OPTION,
) -> None:
    """Report every problem as file:line:col: message (exit 1 if any)."""
    root = definitions or enclosing_root(paths, default=definitions_dir(None))
    problems = validate_paths(paths, root=root)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    typer.echo("ok", err=True)


@app.command()
@user_errors
def plan(
    workflow: str = WORKFLOW_ARGUMENT,
    data: Path | None = typer.Option(None, "--data", help="An application (JSON) to plan for."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    definitions: Path | None = DEFINITIONS_OPTION,
) -> None:
    """Critical path vs the steps in series and the matters handled separately."""
    root = definitions_dir(definitions)
    found = _workflow(workflow, root)
    values = load_application(data, found).get("fields", {}) if data else None
    result = make_plan(found, _catalogue(root).matters, values=values)
    if as_json:
        print_json(PlanView.of(result).model_dump(mode="json"))
    else:
        typer.echo(render_plan(result))


@app.command()
@user_errors
def diagram(
    workflow: str = WORKFLOW_ARGUMENT,
    format: str = typer.Option("mermaid", "--format", "-f", help="mermaid, dot or svg."),
    data: Path | None = typer.Option(None, "--data", help="Mark the path for this application."),
    definitions: Path | None = DEFINITIONS_OPTION,
) -> None:
    """The step graph with parallel branches and the critical path marked."""
    if format not in FORMATS:
        raise InputError(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    root = definitions_dir(definitions)
    found = _workflow(workflow, root)
    values = load_application(data, found).get("fields", {}) if data else None
    typer.echo(draw(found, make_plan(found, {}, values=values), format=format), nl=False)


@app.command()
@user_errors
def schema(
    kind: str = typer.Option("workflow", "--kind", help="workflow, departments or matters."),
) -> None:
    """The JSON Schema of the file format (for editors)."""
    if kind not in SCHEMAS:
        raise InputError(f"unknown kind {kind!r} (known: {', '.join(SCHEMAS)})")
    print_json(json_schema(kind))


@app.command()
@user_errors
def register(
    paths: list[Path] = typer.Argument(..., help="Workflow files, or folders of them."),
    definitions: Path | None = DEFINITIONS_OPTION,
) -> None:
    """Validate and store definitions; a registered version never changes."""
    root = definitions or definitions_dir(None)
    catalogue, engine = _catalogue(root), _engine()
    files = [f for p in paths for f in (sorted(p.glob("*.y*ml")) if p.is_dir() else [p])]
    for path in files:
        try:
            source = read_source(path)
        except SourceError as error:
            raise DefinitionError([source_problem(error)]) from None
        done = store(engine, source, file=str(path), catalogue=catalogue, now=bootstrap.clock())
        what = "registered" if done.created else "unchanged "
        entry = done.version
        typer.echo(f"{what} {entry.workflow_id} v{entry.version}  sha256 {entry.sha256[:12]}")


@app.command("list")
@user_errors
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Registered workflows, their versions and the one new cases use."""
    found = list_workflows(_engine())
    if as_json:
        print_json([w.model_dump(mode="json") for w in found])
        return
    for w in found:
        current = f"v{w.current}" if w.current else "retired"
        versions = ",".join(str(v) for v in w.versions)
        typer.echo(f"{w.workflow_id:<34} {current:<8} versions {versions:<10} {w.title}")


@app.command()
@user_errors
def show(
    workflow: str = typer.Argument(..., help="A registered workflow id."),
    version: int | None = typer.Option(None, "--version", "-v", help="Default: the newest."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (with the source)."),
) -> None:
    """A registered version: its facts and its source text."""
    row = find(_engine(), workflow, version=version)
    facts = public(row)
    if as_json:
        shown = WorkflowSourceView(**facts.model_dump(), source=row.source)
        print_json(shown.model_dump(mode="json"))
        return
    state = f"retired {_local(facts.retired_at)}" if facts.retired_at else "active"
    typer.echo(f"# {facts.workflow_id} v{facts.version} · {facts.title} · {state}")
    typer.echo(f"# registered {_local(facts.registered_at)} · sha256 {facts.sha256}")
    typer.echo(row.source, nl=not row.source.endswith("\n"))


@app.command()
@user_errors
def diff(
    workflow: str = typer.Argument(..., help="A registered workflow id."),
    old: int = typer.Argument(..., help="The older version."),
    new: int = typer.Argument(..., help="The newer version."),
) -> None:
    """A unified diff of two registered versions."""
    typer.echo(compare(_engine(), workflow, old, new), nl=False)


@app.command()
@user_errors
def retire(
    workflow: str = typer.Argument(..., help="A registered workflow id."),
    version: int | None = typer.Option(None, "--version", "-v", help="Only this version."),
) -> None:
    """Stop new cases on a workflow (or one version); running cases keep their version."""
    done = stop(_engine(), workflow, version=version, now=bootstrap.clock())
    listed = ", ".join(f"v{v}" for v in done) or "nothing (already retired)"
    typer.echo(f"retired {workflow}: {listed}")


def _local(moment: dt.datetime) -> str:
    """A stored moment (UTC) in the service's zone, with its offset."""
    from engine.calendar.display import moment_text
    from engine.clock import SHANGHAI, as_utc

    return moment_text(as_utc(moment), SHANGHAI)
