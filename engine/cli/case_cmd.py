"""`onething case …`, `negative`: cases from the command line (scriptable)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from engine import bootstrap, inputs
from engine.calendar.display import moment_text
from engine.cases.machine import ARGUMENTS
from engine.cases.requests import Command
from engine.cli.common import fail, print_json, user_errors
from engine.definitions.application import ApplicationError
from engine.definitions.loader import located_findings
from engine.errors import InputError
from engine.views.cases import BatchOutcome, CaseView, ClockView, CorrectionView, TimelineView
from flows.urls import linked

app = typer.Typer(help="Cases (办件): submit, act, show, list, timeline.", no_args_is_help=True)
negative_app = typer.Typer(
    help="The register of negative decisions (否定事项报备).", no_args_is_help=True
)

JSON = typer.Option(False, "--json", help="Print JSON.")


def _read_text(path: Path) -> str:
    """A file the user named, as UTF-8 text (one line for any problem)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
        raise
    return inputs.decode(data, str(path))


def _read_json(path: Path) -> dict[str, Any]:
    data = inputs.parse_json(_read_text(path), str(path), finite=False)  # the intake says where
    if not isinstance(data, dict):
        fail(f"{path}: an application is a JSON object")
    return dict(data)


@app.command()
@user_errors
def submit(
    workflow: str = typer.Argument(..., help="Workflow id, e.g. utility-external-works."),
    data: Path = typer.Option(..., "--data", help="The application as JSON."),
    key: str = typer.Option(None, "--key", help="Idempotency key: a retry returns the first."),
    as_json: bool = JSON,
) -> None:
    """Submit an application; prints the case id."""
    try:
        view = bootstrap.case_service().submit(workflow, _read_json(data), key=key)
    except ApplicationError as refused:  # every problem, at its place in the file
        raise located_findings(data, refused.findings) from None
    if as_json:
        print_json(view.model_dump(mode="json"))
    else:
        typer.echo(view.id)
        if view.correction:
            needed = ", ".join(view.correction.awaited)
            typer.echo(f"一次告知 correction needed: {needed}", err=True)


@app.command()
@user_errors
def show(case_id: str, as_json: bool = JSON) -> None:
    """A case with its steps, clocks (due, remaining working days) and its flow run."""
    service = bootstrap.case_service()
    view = linked(service.engine, service.show(case_id))
    if as_json:
        print_json(view.model_dump(mode="json"))
        return
    typer.echo(render_case(view))


def render_case(view: CaseView) -> str:
    lines = [f"case {view.id}  {view.workflow} v{view.version}  [{view.status}]"]
    closing = " (when it closed)" if view.closed_at else ""
    if view.acceptance:
        light = f"  [{view.acceptance_light}]"
        lines.append(f"  {'acceptance':9s} {_clock_text(view.acceptance)}{light} (Art. 32)")
    for name, case_clock in (("promised", view.promised), ("statutory", view.statutory)):
        if case_clock:
            lines.append(f"  {name:9s} {_clock_text(case_clock)}{closing}")
    if view.correction:
        lines += _correction_lines(view.correction)
    width = max((len(step.id) for step in view.steps), default=0)
    for step in view.steps:
        clock = f"  {_clock_text(step.clock)}" if step.clock else ""
        lines.append(f"  - {step.id:{width}s} {step.department:18s} {step.status:18s}{clock}")
    if view.flow_run_url:
        lines.append(f"  flow run: {view.flow_run_url}")
    return "\n".join(lines)


def _correction_lines(correction: CorrectionView) -> list[str]:
    """The open correction: draft (issue by when) or issued, each item with who asked it and
    whether it is still awaited."""
    if correction.issued_at:
        state = f"issued {_local_text(correction.issued_at)} by {correction.issued_by}"
    else:
        assert correction.issue_by is not None
        state = f"draft, to issue by {_local_text(correction.issue_by)}"
    lines = [f"  补正 correction ({state}); awaiting: {', '.join(correction.awaited) or '-'}"]
    for item in correction.items:
        answer = f"answered: {item.answer}" if item.answered_at else "awaited"
        late = ", after the notice (breach)" if item.after_issue else ""
        lines.append(
            f"    {item.key}: {item.text}  asked by {item.asked_by} ({item.actor}){late}; {answer}"
        )
    return lines


def _local_text(moment: dt.datetime) -> str:
    """A view's moment (already in the calendar's zone) with its offset."""
    return moment_text(moment, moment.tzinfo or dt.UTC)


def _clock_text(clock: ClockView) -> str:
    text = f"due {clock.due_text}, {clock.left}"
    if clock.suspended:
        text += " (clock stopped)"
    if clock.provisional:
        text += " (provisional)"
    return text


@app.command("list")
@user_errors
def list_cases(
    status: str = typer.Option(None, "--status"),
    department: str = typer.Option(None, "--department", help="With an open step there."),
    overdue: bool = typer.Option(False, "--overdue", help="With an open step past due."),
    as_json: bool = JSON,
) -> None:
    """List cases."""
    if department and department not in (known := bootstrap.catalogue().departments):
        fail(f"unknown department {department!r} (known: {', '.join(known)})")
    service = bootstrap.case_service()
    rows = service.list_cases(status=status, department=department, overdue=overdue)
    if as_json:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    for row in rows:
        light = f"{row.light}{' (overdue)' if row.overdue else ''}" if row.light else "-"
        promised = _local_text(row.promised_due) if row.promised_due else "-"
        typer.echo(f"{row.id}  {row.workflow:34s} {row.status:12s} {light:16s} promised {promised}")


@app.command(context_settings={"ignore_unknown_options": True})
@user_errors
def act(
    case_id: str,
    step: str = typer.Argument(..., help="The step id, or - for a case-level action."),
    action: str = typer.Argument(..., help="approve, reject, accept, extend, …"),
    actor: str = typer.Option(..., "--actor", help="The acting user (or applicant)."),
    reason: str = typer.Option(None, "--reason"),
    days: int = typer.Option(None, "--days", help="Working days, for extend."),
    items: str = typer.Option(None, "--items", help="Comma-separated, for return-for-correction."),
    negative: str = typer.Option(None, "--negative", help="Negative matter id, to decide."),
    to: str = typer.Option(None, "--to", help="Officer, for transfer."),
    materials: str = typer.Option(None, "--materials", help='JSON, e.g. \'{"id-card":"doc"}\''),
    legal_basis: str = typer.Option(None, "--legal-basis"),
    key: str = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = JSON,
) -> None:
    """Act on a case: `onething case act ID STEP ACTION --actor NAME`."""
    args: dict[str, Any] = {"step": None if step == "-" else step}
    for name, value in (
        ("reason", reason),
        ("days", days),
        ("items", items),
        ("negative", negative),
        ("to", to),
        ("legal_basis", legal_basis),
    ):
        if value is not None:
            args[name] = value
    if materials:
        args["materials"] = inputs.parse_json(materials, "--materials")
    view = bootstrap.case_service().act(
        case_id, action, actor=inputs.user_actor(actor), args=args, key=key
    )
    if as_json:
        print_json(view.model_dump(mode="json"))
    else:
        typer.echo(render_case(view))


BATCH_FIELDS = {"case", "action", "actor", "key"}  # the rest are the action's arguments


def _read_batch(path: Path) -> list[Any]:
    """The commands of a JSON Lines file, each checked before any runs."""
    commands = []
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        entry = inputs.parse_json(line, str(path), line=number)
        try:
            commands.append(_batch_command(entry, ARGUMENTS))
        except InputError as exc:
            fail(f"{path}:{number}: {exc}")
    if not commands:
        fail(f"{path}: no commands")
    return commands


def _batch_command(entry: Any, arguments: frozenset[str]) -> Any:
    """One line of a batch as a command (`InputError` for what is wrong with it)."""
    if not isinstance(entry, dict):
        raise InputError("a command is a JSON object")
    missing = [name for name in ("case", "action", "actor") if not entry.get(name)]
    if missing:
        raise InputError(f"missing {', '.join(repr(m) for m in missing)}")
    args = {k: v for k, v in entry.items() if k not in BATCH_FIELDS}
    if unknown := sorted(set(args) - arguments):
        known = ", ".join(sorted(BATCH_FIELDS | arguments))
        raise InputError(f"unknown field {unknown[0]!r} (known: {known})")
    for name in ("case", "action", "actor", "key", "step"):
        if entry.get(name) is not None and not isinstance(entry[name], str):
            raise InputError(f"{name!r} is text, not {type(entry[name]).__name__}")
    step = entry.get("step")
    args["step"] = None if step in (None, "-") else step
    inputs.user_actor(entry["actor"])
    return Command(entry["case"], entry["action"], entry["actor"], args, entry.get("key"))


@app.command("act-batch")
@user_errors
def act_batch(
    file: Path = typer.Argument(..., help="JSON Lines: one command a line."),
    as_json: bool = JSON,
) -> None:
    """Many actions (批量办理), each judged on its own; every line is checked before any runs.

    Each line is an object: case, action, actor, optionally step and key, and the action's
    arguments (reason, days, items, materials, …), e.g. {"case": "20261201-ab12", "step":
    "vehicle-review", "action": "approve", "actor": "li", "key": "b7-1"}.

    What is guaranteed: the lines commit together in one transaction, unless a case changes
    under the batch; then each line runs in its own transaction, and an interruption may leave
    the batch partly applied. Give every line a key: running the same file again then
    completes it, each line that already applied answering its first result, nothing done
    twice. Exits 1 if any command was refused (the others still apply)."""
    commands = _read_batch(file)
    outcomes = bootstrap.case_service().act_many(commands)
    report = [
        BatchOutcome(case=command.case_id, action=command.action, ok=True, case_after=outcome)
        if isinstance(outcome, CaseView)
        else BatchOutcome(case=command.case_id, action=command.action, ok=False, error=str(outcome))
        for command, outcome in zip(commands, outcomes, strict=True)
    ]
    refused = sum(not entry.ok for entry in report)
    if as_json:
        print_json([entry.model_dump(mode="json") for entry in report])
    else:
        for command, entry in zip(commands, report, strict=True):
            what = f"{entry.case}  {command.action} {command.args.get('step') or ''}".rstrip()
            if entry.case_after is None:
                typer.echo(f"{what}: refused: {entry.error}")
                continue
            after = entry.case_after
            shown = [s for s in after.steps if s.id == command.args.get("step")]
            step = f"step {shown[0].status}, " if shown else ""
            typer.echo(f"{what}: {step}case {after.status}")
        typer.echo(f"{len(report) - refused} applied, {refused} refused")
    if refused:
        raise typer.Exit(1)


@app.command()
@user_errors
def recompute(as_json: bool = JSON) -> None:
    """Recompute open deadlines after a calendar file changed (e.g. 2027 published)."""
    moved = bootstrap.case_service().recompute_deadlines()
    if as_json:
        print_json([change.model_dump(mode="json") for change in moved])
        return
    unsettled: dict[str, None] = {}
    for change in moved:
        what = change.step if change.clock == "step" else f"(case {change.clock})"
        zone = change.new_due.tzinfo or dt.UTC
        layers = ", ".join(change.unsettled_layers)
        typer.echo(
            f"{change.case}  {what:28s} {moment_text(change.old_due, zone)} -> "
            f"{moment_text(change.new_due, zone)}"
            + (f"  (provisional: {layers} not yet published)" if change.provisional else "")
        )
        unsettled.update(dict.fromkeys(change.unsettled_layers))
    typer.echo(f"{len(moved)} deadlines moved")
    if unsettled:
        typer.echo(
            "still provisional: load the published schedule of each layer into "
            "definitions/calendars/ (" + ", ".join(f"{c}.yaml" for c in unsettled) + ") and "
            "run `onething case recompute` again"
        )


@app.command()
@user_errors
def timeline(case_id: str, as_json: bool = JSON) -> None:
    """Who did what when, and each step's due and remaining working time."""
    service = bootstrap.case_service()
    events = service.timeline(case_id)
    view = service.show(case_id)
    if as_json:
        print_json(TimelineView(events=events, case=view).model_dump(mode="json"))
        return
    for event in events:
        detail = {k: v for k, v in event.data.items() if k != "text"}
        text = event.data.get("text", "")
        typer.echo(
            f"{moment_text(event.at, event.at.tzinfo or dt.UTC)}  {event.actor:14s} "
            f"{event.kind:20s} {json.dumps(detail, ensure_ascii=False)} {text}".rstrip()
        )
    typer.echo("")
    typer.echo(render_case(view))


@negative_app.command("list")
@user_errors
def list_negatives(status: str = typer.Option(None, "--status"), as_json: bool = JSON) -> None:
    """The register: every refusal, rejection and cannot-handle, with its leader's decision."""
    rows = bootstrap.case_service().negatives(status=status)
    if as_json:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
        decided = ""
        if row.decided_by and row.decided_at:
            when = moment_text(row.decided_at, row.decided_at.tzinfo or dt.UTC)
            decided = f"  [{row.status} by {row.decided_by} {when}"
            decided += f": {row.decision_reason}]" if row.decision_reason else "]"
        due = row.decision_due
        if due is not None:  # awaiting the leader: the limit, what is left, the light
            decided = f"  [leader decides by {due.due_text}, {due.left}, {row.light}]"
        typer.echo(
            f"{row.id:28s} {row.kind:18s} {row.status:10s} {row.department:16s} {row.reason}"
            + decided
        )
    entries = "1 entry" if len(rows) == 1 else f"{len(rows)} entries"
    typer.echo(f"{entries}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
