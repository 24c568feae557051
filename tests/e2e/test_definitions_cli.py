"""`onething definitions` end to end: exit codes, all problems at once, no tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
DEFS = ROOT / "definitions"
BROKEN = ROOT / "tests" / "unit" / "definitions" / "broken"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ONETHING_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ONETHING_DEFINITIONS", str(DEFS))
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, ["definitions", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_validate_clean_tree_exits_0(cli: CliRunner) -> None:
    code, out, err = run(cli, "validate", str(DEFS))
    assert (code, out, err.strip()) == (0, "", "ok")


def test_validate_reports_every_problem_and_exits_1(cli: CliRunner) -> None:
    code, out, err = run(cli, "validate", str(BROKEN / "graph.yaml"), str(BROKEN / "limits.yaml"))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 7 and err.strip() == "7 problem(s)"
    assert f"{BROKEN / 'graph.yaml'}:24:5: dependency cycle: check-a -> check-b -> check-a" in lines


def test_plan_shows_the_serial_and_parallel_figures(cli: CliRunner) -> None:
    sample = DEFS / "samples" / "utility-external-works-long.json"
    code, out, _ = run(cli, "plan", "utility-external-works", "--data", str(sample))
    assert code == 0
    assert "handled separately      11 working days" in out
    assert "critical path                  same-day" in out
    code, out, _ = run(cli, "plan", "utility-external-works", "--data", str(sample), "--json")
    data = json.loads(out)
    assert (data["handled_separately_days"], data["critical_path_days"]) == (11, 0)


@pytest.mark.parametrize("workflow", sorted(p.stem for p in (DEFS / "workflows").glob("*.yaml")))
def test_plan_prints_what_the_applicant_supplies_and_what_is_looked_up(
    cli: CliRunner, workflow: str
) -> None:
    """减少收件材料: per workflow (and per path), the materials the applicant supplies beside
    those read from the licence library or a registry, as the YAML declares them."""
    document = yaml.safe_load((DEFS / "workflows" / f"{workflow}.yaml").read_text("utf-8"))
    required = [m for m in document["materials"] if m.get("required", True)]
    library = sum(1 for m in required if "library" in (m.get("source") or {}))
    registry = sum(1 for m in required if "registry" in (m.get("source") or {}))
    supplied = len(required) - library - registry
    code, out, _ = run(cli, "plan", workflow)
    assert code == 0
    assert (
        f"  materials            applicant supplies {supplied}, looked up {library + registry} "
        f"(library {library}, registries {registry})"
    ) in out.splitlines()
    code, out, _ = run(cli, "plan", workflow, "--json")
    data = json.loads(out)
    assert data["materials"] == {
        "supplied": supplied,
        "library": library,
        "registry": registry,
        "looked_up": library + registry,
    }
    for path in data["paths"]:  # each path: at most what the workflow asks in all
        assert path["materials"]["supplied"] <= supplied
        assert path["materials"]["looked_up"] == library + registry
    if len(data["paths"]) > 1:
        assert out and "; materials: applicant supplies" in run(cli, "plan", workflow)[1]


def test_plan_refuses_a_bad_application_in_one_go(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"applicant": {"name": "x"}, "fields": {"length_m": true}}')
    code, _, err = run(cli, "plan", "utility-external-works", "--data", str(bad))
    assert code == 2
    assert "needs credit_code, id_number or passport_number" in err
    assert "field 'length_m' should be number, not True" in err


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "svg"])
def test_diagram_formats(cli: CliRunner, fmt: str) -> None:
    code, out, _ = run(cli, "diagram", "foreign-work-permit-exit-entry", "--format", fmt)
    assert code == 0 and "work-permit-long" in out.replace("_", "-")


def test_diagram_unknown_format(cli: CliRunner) -> None:
    code, _, err = run(cli, "diagram", "utility-external-works", "--format", "png")
    assert code == 2 and "unknown format 'png' (known: mermaid, dot, svg)" in err


def test_schema_is_json(cli: CliRunner) -> None:
    code, out, _ = run(cli, "schema")
    assert code == 0 and json.loads(out)["title"] == "Workflow"


def test_registry_round_trip(cli: CliRunner, tmp_path: Path) -> None:
    source = DEFS / "workflows" / "utility-external-works.yaml"
    files = sorted((DEFS / "workflows").glob("*.yaml"))
    code, out, _ = run(cli, "register", *map(str, files))
    assert code == 0 and out.count("registered ") == len(files) == 5
    code, out, _ = run(cli, "register", str(source))
    assert out.startswith("unchanged  utility-external-works v1")

    changed = tmp_path / "u.yaml"
    changed.write_text(source.read_text().replace("联合决定。", "联合决定，当场办结。"))
    code, _, err = run(cli, "register", str(changed))
    assert code == 2 and "already registered with other content" in err

    changed.write_text(changed.read_text().replace("version: 1\n", "version: 2\n", 1))
    assert run(cli, "register", str(changed))[0] == 0
    code, out, _ = run(cli, "diff", "utility-external-works", "1", "2")
    assert "+version: 2" in out and "+description: 一次申请" in out
    code, out, _ = run(cli, "show", "utility-external-works", "--version", "1")
    assert out.startswith("# utility-external-works v1") and "version: 1" in out
    code, out, _ = run(cli, "list")
    assert "utility-external-works             v2" in out
    code, out, _ = run(cli, "retire", "utility-external-works", "--version", "2")
    assert out.strip() == "retired utility-external-works: v2"
    code, out, _ = run(cli, "list", "--json")
    current = {w["workflow_id"]: w["current"] for w in json.loads(out)}
    assert current["utility-external-works"] == 1
    # with no file of that name, plan takes the registry's current version
    catalogue_only = tmp_path / "defs"
    shutil.copytree(DEFS, catalogue_only, ignore=shutil.ignore_patterns("workflows", "samples"))
    code, out, _ = run(cli, "plan", "utility-external-works", "-d", str(catalogue_only))
    assert code == 0 and out.startswith("utility-external-works v1")


def test_unknown_registered_id(cli: CliRunner) -> None:
    code, _, err = run(cli, "show", "ghost")
    assert code == 2
    assert err.startswith("onething: no workflow 'ghost' is registered (`onething definitions")


def test_no_traceback_on_a_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"id: [\xff\xfe")
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli.main", "definitions", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout.strip() == f"{bad}:1:1: not UTF-8 text"
    assert "Traceback" not in result.stderr
