"""`onething calendar` as a user runs it: a real process, its output and exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def onething(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "ONETHING_DEFINITIONS": str(ROOT / "definitions")},
    )


def test_add_prints_the_due_date() -> None:
    result = onething("calendar", "add", "2026-09-30", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2026-10-13"


def test_add_json_and_provisional_years() -> None:
    data = json.loads(onething("calendar", "add", "2026-12-20", "20", "--json").stdout)
    assert data["provisional"] is True and data["calendar"] == "cn"
    assert data["due"].endswith("17:30:00+08:00") and data["due"].startswith(data["due_date"])
    assert data["due_date"].startswith("2027-01")


def test_between_and_guangxi() -> None:
    assert onething("calendar", "between", "2026-09-30", "2026-10-13").stdout.strip() == "5"
    national = onething("calendar", "between", "2026-04-16", "2026-04-21").stdout.strip()
    regional = onething("calendar", "between", "2026-04-16", "2026-04-21", "-c", "gx")
    assert int(national) - int(regional.stdout.strip()) == 2


def test_show_marks_holidays_and_make_up_days() -> None:
    result = onething("calendar", "show", "2026")
    assert result.returncode == 0
    assert "248 working days" in result.stdout
    assert " 10+" in result.stdout  # Saturday 2026-10-10, a make-up working day
    assert "Legend" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "2026-13-01", "5"], "not a date"),
        (["add", "2026-09-30", "-1"], "whole number"),
        (["add", "2026-09-30", "1.5"], "whole number"),
        (["add", "2026-09-30", "5", "-c", "hk"], "unknown calendar 'hk' (known: cn, gx)"),
        (["add", "2026-09-30", "5", "-u", "weeks"], "unknown unit"),
        (["show", "20x6"], "not a year"),
        (["add", "2099-01-01", "5"], "outside calendar"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = onething("calendar", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_malformed_calendar_file_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "calendars").mkdir()
    for path in (ROOT / "definitions" / "calendars").glob("*.yaml"):
        (tmp_path / "calendars" / path.name).write_text(path.read_text())
    (tmp_path / "calendars" / "bad.yaml").write_text("id: bad\nsource: s\nextends: cn\nyears: [\n")
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli.main", "calendar", "add", "2026-09-30", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ONETHING_DEFINITIONS": str(tmp_path)},
    )
    assert result.returncode == 2
    assert "bad.yaml:5:1: malformed YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_calendar_commands_import_neither_prefect_nor_the_database() -> None:
    code = (
        "import sys; from engine.cli.main import app\n"
        "try:\n    app(['calendar', 'add', '2026-09-30', '5'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('prefect', 'sqlalchemy', 'sqlmodel') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_working_hours_print_the_time_as_well_as_the_date() -> None:
    result = onething("calendar", "add", "2026-12-01T16:00", "3", "--unit", "working-hours")
    assert result.returncode == 0 and result.stdout.strip() == "2026-12-02 10:30 +08:00"


def test_calendar_show_json_names_the_layers_still_provisional() -> None:
    """A 2027 national schedule would not settle Guangxi's 2027 壮族三月三: both layers are
    named until each file carries its 2027."""
    result = onething("calendar", "show", "2027", "-c", "gx", "--json")
    assert result.returncode == 0, result.stderr
    year = json.loads(result.stdout)
    assert year["provisional"] is True and year["unsettled_layers"] == ["cn", "gx"]
    settled = json.loads(onething("calendar", "show", "2026", "-c", "gx", "--json").stdout)
    assert settled["provisional"] is False and settled["unsettled_layers"] == []
    assert {
        k: v
        for k, v in next(d for d in settled["days"] if d["date"] == "2026-04-20").items()
        if k != "name"
    } == {"date": "2026-04-20", "working": False, "layer": "gx"}  # Guangxi's own day off
