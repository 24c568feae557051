"""Submission checks what `definitions plan --data` checks, from one home
(engine/definitions/application.py): every problem at once, one line each; the core's intake
refuses an application with any of them and keeps nothing."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import CalendarSet, load_calendars
from engine.cases.machine import submit
from engine.definitions import DefinitionError, Workflow
from engine.definitions.application import ApplicationError, application_problems
from engine.definitions.loader import load_application
from tests.fixtures.licences import found_in_library

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def sample(definitions_dir: Path) -> dict[str, Any]:
    path = definitions_dir / "samples" / "utility-external-works-long.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def changed(sample: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data = copy.deepcopy(sample)
    data["fields"].update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"length_m": -5}, "field 'length_m' should be at least 1, not -5"),
        ({"length_m": math.nan}, "field 'length_m' should be a finite number, not nan"),
        ({"length_m": math.inf}, "field 'length_m' should be a finite number, not inf"),
        ({"length_m": 10**9}, "field 'length_m' should be at most 100000, not 1000000000"),
        (
            {"utility": "steam"},
            "field 'utility' should be one of water, power, gas, telecom, not 'steam'",
        ),
    ],
    ids=["negative", "nan", "infinite", "too-long", "enum"],
)
def test_submission_checks_number_ranges_and_enum_values(
    workflows: dict[str, Workflow], sample: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    workflow = workflows["utility-external-works"]
    assert [m for _, m in application_problems(workflow, changed(sample, **fields))] == [message]


def test_submission_checks_the_credit_code_check_character_gb32100(
    workflows: dict[str, Workflow], sample: dict[str, Any]
) -> None:
    data = copy.deepcopy(sample)
    data["applicant"]["credit_code"] = "91450200MA5K8Q3L78"  # the check character is 7
    [(path, message)] = application_problems(workflows["utility-external-works"], data)
    assert path == ("applicant", "credit_code")
    assert message == "'91450200MA5K8Q3L78' is not a valid unified social credit code"


def test_submission_refuses_a_data_file_for_another_workflow_with_that_one_problem(
    workflows: dict[str, Workflow], definitions_dir: Path
) -> None:
    path = definitions_dir / "samples" / "ride-hailing-dual-licence.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert application_problems(workflows["utility-external-works"], data) == [
        (
            ("workflow",),
            "the application is for 'ride-hailing-dual-licence', not 'utility-external-works'",
        )
    ]


def test_submission_and_plan_data_report_the_same_problems_every_one_of_them(
    workflows: dict[str, Workflow],
    sample: dict[str, Any],
    tmp_path: Path,
    definitions_dir: Path,
) -> None:
    workflow = workflows["utility-external-works"]
    data = changed(sample, length_m=-1, utility="steam")
    data["applicant"]["credit_code"] = "91450200MA5K8Q3L78"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    with pytest.raises(DefinitionError) as planned:  # `definitions plan --data`
        load_application(path, workflow)
    calendar: CalendarSet = load_calendars(definitions_dir / "calendars")
    with pytest.raises(ApplicationError) as submitted:  # `case submit`, the API, the portal
        submit(
            case_id="C-1",
            workflow=workflow,
            calendar=calendar.get("gx"),
            application=data,
            now=NOW,
        )
    messages = [p.message for p in planned.value.problems]
    assert messages == [m for _, m in submitted.value.findings]
    assert len(messages) == 3
    assert str(submitted.value).splitlines() == [
        "applicant.credit_code: '91450200MA5K8Q3L78' is not a valid unified social credit code",
        "fields.length_m: field 'length_m' should be at least 1, not -1",
        "fields.utility: field 'utility' should be one of water, power, gas, telecom, not 'steam'",
    ]


def test_a_missing_material_is_no_refusal_at_submission_but_the_one_correction_notice(
    workflows: dict[str, Workflow], sample: dict[str, Any], definitions_dir: Path
) -> None:
    data = copy.deepcopy(sample)
    del data["materials"]["traffic-plan"]
    workflow = workflows["utility-external-works"]
    assert application_problems(workflow, data) == []
    calendar = load_calendars(definitions_dir / "calendars").get("gx")
    case, _ = submit(
        case_id="C-1",
        workflow=workflow,
        calendar=calendar,
        application=data,
        now=NOW,
        looked_up=found_in_library(workflow, data),
    )
    assert case.correction is not None
    assert [item.key for item in case.correction.items] == ["traffic-plan"]
