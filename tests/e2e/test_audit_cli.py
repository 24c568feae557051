"""`onething audit` as an auditor runs it: verify, a signed checkpoint exported to a file,
and a rewritten log caught by the exported copy after the store's copy was deleted."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.fixtures.licences import licensed_store

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "definitions" / "samples" / "utility-external-works-long.json"


def run(tmp_path: Path, *args: str, key: str | None = "k3y") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ONETHING_DATA_DIR": str(tmp_path / "data"),
        "ONETHING_DEFINITIONS": str(ROOT / "definitions"),
    }
    for name in ("ONETHING_DATABASE_URL", "ONETHING_SERVICE_FACTORY", "ONETHING_AUDIT_KEY"):
        env.pop(name, None)
    if key is not None:
        env["ONETHING_AUDIT_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "engine.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_a_checkpoint_exported_catches_a_rewrite_the_store_no_longer_shows(
    tmp_path: Path,
) -> None:
    workflow = ROOT / "definitions" / "workflows" / "utility-external-works.yaml"
    assert run(tmp_path, "definitions", "register", str(workflow)).returncode == 0
    licensed_store(tmp_path / "data")
    submitted = run(tmp_path, "case", "submit", "utility-external-works", "--data", str(SAMPLE))
    assert submitted.returncode == 0, submitted.stderr
    case_id = submitted.stdout.strip()
    made = run(tmp_path, "audit", "checkpoint", "--json")
    assert made.returncode == 0, made.stderr
    exported = Path(json.loads(made.stdout)["file"])
    assert exported.is_file() and json.loads(made.stdout)["cases"] == 1
    verified = run(tmp_path, "audit", "verify", "--checkpoint", str(exported))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "1 signed checkpoint(s) hold" in verified.stdout
    with sqlite3.connect(tmp_path / "data" / "onething.db") as db:  # an editor of the database
        db.execute("DELETE FROM audit_checkpoints")
        db.execute("DELETE FROM case_events WHERE case_id = ?", (case_id,))
    broken = run(tmp_path, "audit", "verify", "--checkpoint", str(exported))
    assert broken.returncode == 1
    lines = broken.stdout.splitlines()
    assert any(
        line.startswith("BROKEN checkpoint 1 (") and line.endswith("is missing from the store")
        for line in lines
    )
    assert any(
        line.startswith(f"BROKEN case {case_id}: event ") and ": the log holds 0 events; " in line
        for line in lines
    )
    assert any(line.startswith(f"BROKEN case {case_id}: case_events:") for line in lines)
    assert broken.stderr == ""
    folder = run(tmp_path, "audit", "verify", "--checkpoint", str(exported.parent))  # all kept
    assert folder.returncode == 1 and folder.stdout == broken.stdout


def test_without_the_key_a_checkpoint_is_refused_in_one_line(tmp_path: Path) -> None:
    refused = run(tmp_path, "audit", "checkpoint", key=None)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "onething: set $ONETHING_AUDIT_KEY, the signing key (never stored in the database)"
    ]
    plain = run(tmp_path, "audit", "verify", key=None)
    assert plain.returncode == 0
    assert "checkpoints not checked" in plain.stderr
