"""`onething draw`: the sealed random draw of an inspection's examiners (实地核查审查员抽取):
draw, show (only commitments until opened), open, findings, decline, verify."""

from __future__ import annotations

import typer

from engine import bootstrap, inputs
from engine.cli.common import fail, offset_moment, print_json, user_errors
from engine.views.draws import DrawView

app = typer.Typer(
    help="Sealed random draws of on-site examiners: draw, show, open, findings, verify.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Print JSON.")
ACTOR = typer.Option(..., "--actor", help="The acting user.")


def _show(view: DrawView, as_json: bool) -> None:
    if as_json:
        print_json(view.model_dump(mode="json"))
        return
    opens = view.opens_at.isoformat(timespec="minutes") if view.opens_at else "-"
    typer.echo(f"{view.case} {view.step}: {view.status} (opens {opens})")
    for r in view.rounds:
        who = "sealed" if r.drawn is None else ", ".join(r.drawn) + f" (opened by {r.opened_by})"
        typer.echo(f"  round {r.number} [{r.reason}] commitment {r.commitment[:16]}… {who}")
    for name, reason in view.declined.items():
        typer.echo(f"  declined {name}: {reason}")
    for name, text in view.findings.items():
        typer.echo(f"  findings {name}: {text}")


@app.command("run")
@user_errors
def run(
    case_id: str,
    step: str,
    opens_at: str = typer.Option(
        None, "--opens-at", help="The scheduled inspection (default: the step's opens_after)."
    ),
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """Draw again after the engine's draw failed (too few eligible, no key), sealed until the
    inspection; the engine draws by itself when the step becomes active."""
    view = bootstrap.draw_service().draw(
        case_id,
        step,
        actor=inputs.user_actor(actor),
        opens_at=offset_moment(opens_at) if opens_at else None,
    )
    _show(view, as_json)


@app.command()
@user_errors
def show(case_id: str, step: str, as_json: bool = JSON) -> None:
    """The draw: its commitments while sealed, the examiners once opened."""
    _show(bootstrap.draw_service().show(case_id, step), as_json)


@app.command("open")
@user_errors
def open_draw(case_id: str, step: str, actor: str = ACTOR, as_json: bool = JSON) -> None:
    """Open (解密) the sealed draw: the authorised role, from the inspection time."""
    _show(bootstrap.draw_service().open(case_id, step, actor=inputs.user_actor(actor)), as_json)


@app.command()
@user_errors
def finding(case_id: str, step: str, text: str, actor: str = ACTOR, as_json: bool = JSON) -> None:
    """A drawn examiner records findings; the step completes when all have."""
    view = bootstrap.draw_service().record_finding(
        case_id, step, actor=inputs.user_actor(actor), text=inputs.text("findings", text)
    )
    _show(view, as_json)


@app.command()
@user_errors
def decline(
    case_id: str,
    step: str,
    examiner: str,
    reason: str = typer.Option(..., "--reason", help="Why the examiner cannot go."),
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """An examiner cannot go: they (or the opener) record why; the engine draws a
    replacement, sealed again."""
    view = bootstrap.draw_service().decline(
        case_id, step, actor=inputs.user_actor(actor), examiner=examiner, reason=reason
    )
    _show(view, as_json)


@app.command()
@user_errors
def verify(case_id: str, step: str, as_json: bool = JSON) -> None:
    """Recompute the commitment and the selection from the opened record and the log (exit 1
    if anything does not match)."""
    report = bootstrap.draw_service().verify(case_id, step)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        for c in report.checks:
            typer.echo(f"{'ok  ' if c.ok else 'FAIL'} round {c.round} {c.name}: {c.detail}")
        typer.echo("the draw verifies" if report.ok else "the draw does NOT verify")
    if not report.ok:
        if as_json:
            raise typer.Exit(1)
        fail("the draw does not verify", code=1)
