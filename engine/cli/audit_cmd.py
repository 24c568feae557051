"""`onething audit`: the store checked against its event log, and signed checkpoints of it.

The checkpoint key comes from `ONETHING_AUDIT_KEY` and is never stored in the database: an
editor of the database can recompute a chain's hashes but not a checkpoint's signature.
"""

from __future__ import annotations

from pathlib import Path

import typer

from engine import bootstrap
from engine.cases import auditing
from engine.cases.checkpointing import export, read_exported
from engine.cli.common import fail, print_json, user_errors

AUDIT_KEY_ENV = "ONETHING_AUDIT_KEY"

app = typer.Typer(
    help="The tamper-evident event log: verify the store against it; signed checkpoints.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="Print JSON.")


def audit_key() -> bytes | None:
    """The checkpoint signing key, from the settings (None when unset)."""
    key = bootstrap.settings().audit_key
    return key.encode("utf-8") if key else None


@app.command()
@user_errors
def verify(
    case_id: str = typer.Argument(None, help="One case (default: every case)."),
    checkpoints: list[Path] = typer.Option(
        [],
        "--checkpoint",
        help="An exported checkpoint an auditor kept, or a folder of them (repeatable).",
    ),
    as_json: bool = JSON,
) -> None:
    """Check every case against its event log: the chain, the case row's head, the snapshot,
    its step, material, negative-matter and decision rows; with $ONETHING_AUDIT_KEY, the
    signed checkpoints too. Reports each problem by case and field (exit 1)."""
    key = audit_key()
    if checkpoints and key is None:
        fail(f"--checkpoint needs the signing key in ${AUDIT_KEY_ENV}")
    kept = read_exported(checkpoints)
    report = auditing.verify(bootstrap.database(), case_id, key=key, exported=kept)
    if as_json:
        print_json(
            {
                "case": case_id,
                "intact": report.intact,
                "checkpoints": report.checkpoints,
                "breaks": [
                    {
                        "case": b.case_id or None,
                        "seq": b.seq,
                        "field": b.field,
                        "reason": b.reason,
                        "after": report.after.get(b.case_id),
                    }
                    for b in report.breaks
                ],
            }
        )
    else:
        for found in report.breaks:
            after = report.after.get(found.case_id)
            typer.echo(f"BROKEN {found}" + (f" [{after}]" if after else ""))
        if report.intact:
            signed = f", {report.checkpoints} signed checkpoint(s) hold" if key else ""
            scope = f" for case {case_id}" if case_id else ""
            typer.echo(f"audit intact{scope}: the state is what the log says{signed}")
        if key is None:
            typer.echo(f"(checkpoints not checked: ${AUDIT_KEY_ENV} is not set)", err=True)
    if not report.intact:
        raise typer.Exit(1)


@app.command()
@user_errors
def checkpoint(
    out: Path = typer.Option(
        None, "--out", help="The file to export it to (default: $ONETHING_CHECKPOINT_DIR)."
    ),
    as_json: bool = JSON,
) -> None:
    """Sign every case's chain head (count, last hash) with $ONETHING_AUDIT_KEY, once the
    store verifies; store it and export it to a file for an auditor to keep."""
    key = audit_key()
    if key is None:
        fail(f"set ${AUDIT_KEY_ENV}, the signing key (never stored in the database)")
        return
    made = auditing.take_checkpoint(bootstrap.database(), key, now=bootstrap.clock())
    try:
        if out is None:
            path = export(made, bootstrap.settings().checkpoints())
        else:
            out.write_text(made.to_json(), encoding="utf-8")
            path = out
    except OSError as exc:
        fail(f"{made} is stored, but cannot be written to {out or exc.filename}: {exc.strerror}")
        return
    if as_json:
        print_json({"number": made.number, "at": made.at, "cases": len(made.heads), "file": path})
    else:
        typer.echo(f"{made}: {len(made.heads)} cases signed; exported to {path}")
