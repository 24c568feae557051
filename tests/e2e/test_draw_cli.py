"""`onething draw` as a user runs it: sealed on `show` and on the case's timeline until the
head opens it, a wrong role refused in one line (exit 2), then `draw verify` confirms it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.draw.roster import load_roster

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "definitions" / "samples" / "utility-external-works-site-inspection.json"
pytestmark = pytest.mark.timeout(600)  # a dozen CLI processes on a shared 2-core machine
NAMES = {e.id for e in load_roster(ROOT / "definitions" / "examiners.yaml").examiners}


def test_sealed_until_the_head_opens_it_then_verified(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ONETHING_DATA_DIR": str(tmp_path / "data"),
        "ONETHING_DEFINITIONS": str(ROOT / "definitions"),
        "ONETHING_DRAW_KEY": "ab" * 32,
    }
    for name in ("ONETHING_DATABASE_URL", "ONETHING_SERVICE_FACTORY", "PREFECT_API_URL"):
        env.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "engine.cli.main", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )

    def ok(*args: str) -> str:
        result = run(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    ok("definitions", "register", *map(str, (ROOT / "definitions/workflows").glob("*")))
    for name, role, department in [
        ("wang", "window", "approval-bureau"),
        ("zhou", "head", "approval-bureau"),
        ("chen", "reviewer", "approval-bureau"),
        ("liu", "reviewer", "municipal"),
    ]:
        ok("users", "add", name, "--role", role, "--department", department)
    case_id = ok("case", "submit", "utility-external-works", "--data", str(SAMPLE)).strip()
    ok("case", "act", case_id, "-", "accept", "--actor", "wang")
    for step in ("road-occupation", "road-digging"):
        ok("case", "act", case_id, step, "approve", "--actor", "liu")
    # the inspection time has come (the wall clock is past it): sealed until someone opens it
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    ok("draw", "run", case_id, "site-inspection", "--opens-at", at, "--actor", "zhou")
    shown = ok("draw", "show", case_id, "site-inspection", "--json")
    assert json.loads(shown)["status"] == "sealed"
    timeline = ok("case", "timeline", case_id, "--json")
    seen = {n for n in NAMES if n in shown + ok("case", "show", case_id, "--json")}
    drawn_in_log = [e for e in json.loads(timeline)["events"] if e["kind"] == "draw.opened"]
    assert not seen and not drawn_in_log
    refused = run("draw", "open", case_id, "site-inspection", "--actor", "chen")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1 and "head" in refused.stderr
    opened = json.loads(ok("draw", "open", case_id, "site-inspection", "--actor", "zhou", "--json"))
    assert opened["status"] == "opened" and len(opened["examiners"]) == 2
    assert "the draw verifies" in ok("draw", "verify", case_id, "site-inspection")
