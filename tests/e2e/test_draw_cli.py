"""`onething draw` and `onething roster` as a user runs them: the engine's draw with an empty
roster is an incident naming why; the bureau's head imports the roster (audited) and draws
again; sealed on `show` and on the case's timeline until the head opens it, a wrong role
refused in one line (exit 2), then `draw verify` confirms it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.draw.roster import load_roster
from tests.fixtures.cli import ROOT, ok, onething_in
from tests.fixtures.licences import licensed_store

SAMPLE = ROOT / "definitions" / "samples" / "utility-external-works-site-inspection.json"
pytestmark = pytest.mark.timeout(600)  # a dozen CLI processes on a shared 2-core machine
NAMES = {e.id for e in load_roster(ROOT / "definitions" / "examiners.yaml").examiners}
STEP = "site-inspection"


def test_art34_an_empty_roster_is_an_incident_then_the_head_draws_sealed_until_opened(
    tmp_path: Path,
) -> None:
    onething = onething_in(tmp_path, ONETHING_DRAW_KEY="ab" * 32)
    ok(onething("definitions", "register", *map(str, (ROOT / "definitions/workflows").glob("*"))))
    licensed_store(tmp_path / "data")
    for name, role, department in [
        ("wang", "window", "approval-bureau"),
        ("zhou", "head", "approval-bureau"),
        ("chen", "reviewer", "approval-bureau"),
        ("liu", "reviewer", "municipal"),
    ]:
        ok(onething("users", "add", name, "--role", role, "--department", department))
    case_id = ok(onething("case", "submit", "utility-external-works", "--data", str(SAMPLE)))
    case_id = case_id.strip()
    ok(onething("case", "act", case_id, "-", "accept", "--actor", "wang"))
    for step in ("road-occupation", "road-digging"):
        ok(onething("case", "act", case_id, step, "approve", "--actor", "liu"))
    events = json.loads(ok(onething("case", "timeline", case_id, "--json")))["events"]
    incident = [e for e in events if e["kind"] == "step.incident"][-1]
    assert incident["actor"] == "system" and "0 eligible, 2 needed" in incident["data"]["message"]
    # the roster: only the department's admin or head changes it, each change audited
    roster_file = str(ROOT / "definitions" / "examiners.yaml")
    refused = onething("roster", "import", roster_file, "--actor", "chen")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    ok(onething("roster", "import", roster_file, "--actor", "zhou"))
    ok(
        onething(
            "roster",
            "disable",
            "examiner-chen",
            "--department",
            "approval-bureau",
            "--reason",
            "借调",
            "--actor",
            "zhou",
        )
    )
    listed = ok(onething("roster", "list", "--department", "approval-bureau"))
    assert "examiner-chen 陈审查 (disabled)" in listed
    history = json.loads(ok(onething("roster", "history", "--json")))
    assert history[-1]["kind"] == "disable" and history[-1]["actor"] == "zhou"
    # the head draws again; the inspection time has come (the wall clock is past it)
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    ok(onething("draw", "run", case_id, STEP, "--opens-at", at, "--actor", "zhou"))
    shown = ok(onething("draw", "show", case_id, STEP, "--json"))
    assert json.loads(shown)["status"] == "sealed"
    timeline = ok(onething("case", "timeline", case_id, "--json"))
    seen = {n for n in NAMES if n in shown + ok(onething("case", "show", case_id, "--json"))}
    drawn_in_log = [e for e in json.loads(timeline)["events"] if e["kind"] == "draw.opened"]
    assert not seen and not drawn_in_log
    refused = onething("draw", "open", case_id, STEP, "--actor", "chen")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1 and "head" in refused.stderr
    opened = json.loads(ok(onething("draw", "open", case_id, STEP, "--actor", "zhou", "--json")))
    assert opened["status"] == "opened" and len(opened["examiners"]) == 2
    assert "examiner-chen" not in opened["examiners"]
    verified = ok(onething("draw", "verify", case_id, STEP))
    assert "the draw verifies" in verified and "roster" in verified
