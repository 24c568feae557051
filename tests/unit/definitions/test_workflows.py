"""The three workflows of the report validate, and their samples fit them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.calendar.units import Limit
from engine.definitions import Catalogue, DefinitionError, Workflow, validate_paths
from engine.definitions.application import application_problems, credit_code_ok, id_number_ok
from engine.definitions.loader import load_application

THE_THREE = {
    "ride-hailing-dual-licence",
    "utility-external-works",
    "foreign-work-permit-exit-entry",
}


def test_the_whole_definitions_folder_is_clean(definitions_dir: Path) -> None:
    assert validate_paths([definitions_dir], root=definitions_dir) == []


def test_the_three_workflows_of_the_report(workflows: dict[str, Workflow]) -> None:
    assert set(workflows) >= THE_THREE
    for workflow in (workflows[w] for w in THE_THREE):
        assert workflow.version == 1
        assert workflow.owner == "approval-bureau"
        # joint handling: at most 45 days (行政许可法 art. 42)
        assert workflow.statutory_limit == Limit.parse("45 working-days")


def test_the_default_ladder_is_filled_in(
    workflows: dict[str, Workflow], catalogue: Catalogue
) -> None:
    workflow = workflows["utility-external-works"]
    ladder = workflow.ladder_for(workflow.step("road-occupation"))
    assert ladder == catalogue.escalation
    assert [str(r.at) for r in ladder][:3] == ["90%", "deadline - 1 working-days", "deadline"]


def test_definitions_are_frozen(workflows: dict[str, Workflow]) -> None:
    with pytest.raises(ValueError):
        workflows["utility-external-works"].version = 2  # type: ignore[misc]


def test_utility_branches_follow_the_length(workflows: dict[str, Workflow]) -> None:
    workflow = workflows["utility-external-works"]
    short = {
        s.id for s in workflow.applicable_steps({"length_m": 200, "occupies_carriageway": False})
    }
    assert short == {"filing"}
    long = {
        s.id for s in workflow.applicable_steps({"length_m": 201, "occupies_carriageway": False})
    }
    assert long == {"road-occupation", "road-digging", "joint-decision", "delivery", "publication"}
    trees = workflow.applicable_steps(
        {"length_m": 500, "occupies_carriageway": True, "affects_trees": True}
    )
    assert {"traffic-consent", "greening-approval"} <= {s.id for s in trees}


def test_work_permit_limit_by_duration_and_category(workflows: dict[str, Workflow]) -> None:
    workflow = workflows["foreign-work-permit-exit-entry"]
    long, short = workflow.step("work-permit-long"), workflow.step("work-permit-short")
    assert long.limit_for({"permit_category": "A", "work_days": 365}) == Limit.parse(
        "5 working-days"
    )
    assert long.limit_for({"permit_category": "B", "work_days": 365}) == Limit.parse(
        "10 working-days"
    )
    assert short.applies({"work_days": 90}) and not long.applies({"work_days": 90})
    assert short.limit == Limit.parse("5 working-days")  # ≤ 90-day work: 5 working days


def test_automatic_checks_name_their_connector(workflows: dict[str, Workflow]) -> None:
    check = workflows["ride-hailing-dual-licence"].step("background-check")
    assert check.connector is not None
    assert (check.connector.kind, str(check.connector)) == (
        "python",
        "engine.connectors.background:check",
    )
    exam = workflows["ride-hailing-dual-licence"].step("driver-exam")
    # The exam centre's result is recorded by a transport reviewer: an external step with signers.
    assert exam.connector is None and exam.signers is not None
    assert not exam.is_counted


SAMPLES = sorted((Path(__file__).resolve().parents[3] / "definitions" / "samples").glob("*.json"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_samples_are_valid_applications(path: Path, workflows: dict[str, Workflow]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    workflow = workflows[data["workflow"]]
    assert path.stem.startswith(workflow.id)
    assert application_problems(workflow, data) == []


def test_every_workflow_has_a_sample(workflows: dict[str, Workflow]) -> None:
    assert {p.stem for p in SAMPLES} >= THE_THREE


def test_a_bad_application_lists_every_problem(
    tmp_path: Path, workflows: dict[str, Workflow]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "applicant": {"name": "某公司", "credit_code": "91450200MA5K000000"},
                "fields": {"length_m": "long", "colour": "red", "utility": "steam"},
                "materials": {"application-form": "d1", "construction-plan": "commitment"},
            },
            indent=1,
        )
    )
    with pytest.raises(DefinitionError) as caught:
        load_application(bad, workflows["utility-external-works"])
    messages = [p.message for p in caught.value.problems]
    assert messages == [
        "'91450200MA5K000000' is not a valid unified social credit code",
        "field 'length_m' should be number, not 'long'",
        "unknown field 'colour' (known: affects_trees, length_m, occupies_carriageway, road_name,"
        " utility)",
        "field 'utility' should be one of water, power, gas, telecom, not 'steam'",
        "missing field 'occupies_carriageway' (是否占用机动车道)",
        "missing field 'road_name' (道路名称)",
        "material 'construction-plan' cannot be replaced by a commitment",
        "missing material 'restoration-pledge' (道路修复承诺书)",
    ]
    assert all(p.line > 1 for p in caught.value.problems[:4])  # JSON keeps its lines


def test_identity_check_digits() -> None:
    assert credit_code_ok("91450200MA5K8Q3L77")
    assert not credit_code_ok("91450200MA5K8Q3L78")
    assert id_number_ok("45020519851120456X")
    assert not id_number_ok("450205198511204561")


def test_the_documented_example_validates(tmp_path: Path, definitions_dir: Path) -> None:
    doc = (definitions_dir.parent / "docs" / "definitions.md").read_text(encoding="utf-8")
    example = doc.split("## A complete annotated example", 1)[1].split("```yaml\n", 1)[1]
    path = tmp_path / "example.yaml"
    path.write_text(example.split("```", 1)[0], encoding="utf-8")
    assert validate_paths([path], root=definitions_dir) == []
