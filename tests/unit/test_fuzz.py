"""Generated hostile input (hypothesis) for the definition loader, the application intake, JSON
input and the command line (the calendar's, and the case, escalation, user, sweep and audit
commands over a real store): each answers with its result or one `OnethingError` (one line and
exit status 2 on the command line) in bounded time, never another exception, and a refused
command leaves the store as it was.

The cases these found are kept as named regression tests in `tests/unit/definitions/
test_hostile_files.py` and `tests/e2e/test_hostile_input_cli.py`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine import inputs
from engine.calendar import load_calendars
from engine.cases import machine
from engine.cli.main import app
from engine.definitions import Workflow, load_catalogue, load_workflow, validate_paths
from engine.errors import OnethingError
from engine.yamlsource import load_text

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "definitions"
FUZZ = settings(
    max_examples=150, deadline=dt.timedelta(seconds=3), suppress_health_check=list(HealthCheck)
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=40,
)

YAML_PIECES = st.sampled_from(
    [
        "id: x\n",
        "steps:\n",
        "  - ",
        "&a ",
        "*a ",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "\n",
        "!!",
        "<<: ",
    ]
    + ["version: ", "99999999999999999999999", "when: ", "not ", "title: ", "\t", "'", '"', "#"]
)


@pytest.fixture(scope="module")
def workflow() -> Workflow:
    return load_workflow(
        DEFINITIONS / "workflows" / "utility-external-works.yaml", load_catalogue(DEFINITIONS)
    )


@FUZZ
@given(st.lists(YAML_PIECES, max_size=60).map("".join) | st.text(max_size=300))
def test_the_yaml_loader_answers_or_refuses_at_a_place(source: str) -> None:
    try:
        load_text(source, file="fuzz.yaml")
    except OnethingError as refused:
        assert "\n" not in str(refused)


@FUZZ
@given(st.lists(YAML_PIECES, max_size=60).map("".join))
def test_validation_reports_problems_never_an_exception(tmp_path_factory: Any, source: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "workflow.yaml"
    path.write_text(source, encoding="utf-8")
    for problem in validate_paths([path], root=DEFINITIONS):
        assert problem.file == str(path)


@FUZZ
@given(json_values)
def test_the_intake_takes_or_refuses_any_application(workflow: Workflow, application: Any) -> None:
    calendar = load_calendars(DEFINITIONS / "calendars").get(workflow.calendar)
    now = dt.datetime(2026, 12, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    try:
        inputs.json_value("the application", application, finite=False)
        machine.submit(
            case_id="fuzz", workflow=workflow, calendar=calendar, application=application, now=now
        )
    except OnethingError:
        pass


@FUZZ
@given(json_values.map(lambda v: json.dumps(v)) | st.text(max_size=200))
def test_json_input_parses_or_is_refused_in_one_line(source: str) -> None:
    try:
        inputs.parse_json(source, "fuzz.json")
    except OnethingError as refused:
        assert "\n" not in str(refused)


ARGS = st.sampled_from(
    ["2026-09-30", "0000", "²", "1000000000", "9999-12-31", "2026-13-45", "-1", "", "3", "x\x00"]
    + ["--unit", "natural-days", "working-hours", "--calendar", "gx", "nope", "--json", "2026"]
)


@FUZZ
@given(st.sampled_from(["add", "between", "show"]), st.lists(ARGS, max_size=5))
def test_the_calendar_command_line_answers_or_says_one_line(command: str, args: list[str]) -> None:
    result = CliRunner().invoke(app, ["calendar", command, *args], env={"COLUMNS": "200"})
    assert result.exit_code in (0, 2), result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)


CASE_ARGS = st.sampled_from(
    ["-", "x\x00y", "c" * 41, "k" * 129, "²", "2147483648", "-1", "NaN", "system", "applicant"]
    + ["wang", "accept", "terminate", "approve", "{}", "[" * 40, '{"a": NaN}', "\x1b", ""]
    + ["--actor", "--key", "--reason", "--data", "--by", "--due", "2026-13-45", "0001-01-01"]
)
COMMANDS = st.sampled_from(
    [["case", "act"], ["case", "show"], ["escalations", "ack"], ["escalations", "order"]]
    + [["users", "add"], ["sweep", "--dry-run", "--at"], ["audit", "verify"]]
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: Any) -> Any:
    """An empty store the fuzzed commands run against (its rows are compared after each)."""
    import sqlalchemy as sa

    folder = tmp_path_factory.mktemp("fuzz-store")
    url = f"sqlite:///{folder / 'store.db'}"
    env = {"ONETHING_DATABASE_URL": url, "ONETHING_DEFINITIONS": str(DEFINITIONS)}
    added = CliRunner().invoke(
        app, ["users", "add", "wang", "--role", "window:approval-bureau"], env=env
    )
    assert added.exit_code == 0, added.output  # the store migrated before the fuzzing
    # the case service's start loads the shipped registries' records and fills the clocks'
    # moments: done once here, so that what a fuzzed command changes is its own doing
    listed = CliRunner().invoke(app, ["case", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    engine = sa.create_engine(url)

    def rows() -> list[Any]:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return [connection.execute(sa.select(t)).all() for t in metadata.sorted_tables]

    return env, rows


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(COMMANDS, st.lists(CASE_ARGS, max_size=6))
def test_the_case_command_line_refuses_in_one_line_and_changes_nothing(
    store: Any, command: list[str], args: list[str]
) -> None:
    env, rows = store
    before = rows()
    result = CliRunner().invoke(app, [*command, *args], env={**env, "COLUMNS": "200"})
    assert result.exit_code in (0, 1, 2), result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    if result.exit_code == 2 and result.output.startswith("onething: "):
        assert len(result.output.strip().splitlines()) == 1, result.output
    if result.exit_code != 0:
        assert rows() == before
