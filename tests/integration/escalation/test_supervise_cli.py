"""`onething sweep`, `escalations` and `publications export` through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from engine.access.accounts import Accounts
from engine.cli import supervise_cmd
from tests.fixtures.definitions import ROOT
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import USERS

from .factory import service as make

app = typer.Typer()
app.command("sweep")(supervise_cmd.sweep)
app.add_typer(supervise_cmd.escalations_app, name="escalations")
app.add_typer(supervise_cmd.publications_app, name="publications")


@pytest.fixture
def case_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen: Any) -> str:
    monkeypatch.setenv("ONETHING_TEST_DATABASE", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ONETHING_SERVICE_FACTORY", "tests.integration.escalation.factory:service")
    monkeypatch.setenv("ONETHING_DEFINITIONS", str(ROOT / "definitions"))
    svc = make()
    for name, role, department in USERS:
        Accounts(svc.engine, clock=svc.clock).add(name, role=role, department=department)
    case = svc.submit("road-works", APPLICATION).id
    svc.act(case, "accept", actor="wang")  # 9-29 10:00: municipal and traffic due 10-09
    return str(case)


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_a_forecast_says_what_turns_red_by_friday_and_changes_nothing(case_id: str) -> None:
    forecast = json.loads(run("sweep", "--at", "2026-10-09T17:45", "--dry-run", "--json").stdout)
    levels = sorted((f["step"], f["level"]) for f in forecast["fired"])
    assert levels == [
        ("municipal", "red"),
        ("municipal", "yellow"),
        ("traffic", "red"),
        ("traffic", "yellow"),
    ]
    assert forecast["dry_run"] is True
    assert "no escalations" in run("escalations", "list").stdout


def test_sweep_list_ack_and_order(case_id: str) -> None:
    text = run("sweep", "--at", "2026-10-09T17:45").stdout
    assert text.splitlines()[-1].startswith("4 levels fired")  # the count after the levels
    rows = json.loads(run("escalations", "list", "--json").stdout)
    red = next(r for r in rows if (r["step"], r["level"]) == ("municipal", "red"))
    acked = json.loads(run("escalations", "ack", str(red["id"]), "--by", "he", "--json").stdout)
    assert acked["acknowledged_by"] == "he"
    result = CliRunner().invoke(app, ["escalations", "ack", str(red["id"]), "--by", "zhao"])
    assert result.exit_code == 0  # already acknowledged: shown as it is
    ordered = run("escalations", "order", str(red["id"]), "--due", "2026-10-16", "--by", "qian")
    assert "ordered by qian" in ordered.stdout
    refused = CliRunner().invoke(
        app, ["escalations", "order", str(red["id"]), "--due", "2026-10-16", "--by", "liu"]
    )
    assert refused.exit_code == 2 and "only the roles supervisor, leader" in refused.output
    opened = json.loads(run("escalations", "list", "--open", "--json").stdout)
    assert red["id"] not in [r["id"] for r in opened]


def test_publications_export_lists_decisions_with_their_deadline(case_id: str) -> None:
    svc = make()
    for actor, step in [
        ("liu", "municipal"),
        ("zhao", "traffic"),
        ("chen", "decision"),
        ("zhou", "decision"),
    ]:
        svc.act(case_id, "approve", actor=actor, args={"step": step})
    rows = list(csv.DictReader(io.StringIO(run("publications", "export").stdout)))
    assert [r["case"] for r in rows] == [case_id]
    row = rows[0]
    assert row["holder"] == "张三" and row["credit_code"] == "91450200MA5K8Q3L77"
    # 7 working days after 9-29: 9-30, 10-08, 10-09, 10-10 (make-up Saturday), 10-12..10-14
    assert row["publish_by"].startswith("2026-10-14T17:30")
    assert row["status"] == "due"
    listed = json.loads(run("publications", "export", "--format", "json").stdout)
    assert listed[0]["decision_number"] == f"{case_id}-decision"
