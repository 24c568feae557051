"""Plan figures: the report's "11 working days in series → the same day in parallel"."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.definitions import Catalogue, Plan, Workflow, make_plan, render_plan
from engine.definitions.plan import path_plans
from engine.definitions.when import parse_when
from engine.views.definitions import PlanView

SAMPLES = Path(__file__).resolve().parents[3] / "definitions" / "samples"


PlanFor = Callable[[str], Plan]


@pytest.fixture
def plan_for(workflows: dict[str, Workflow], catalogue: Catalogue) -> PlanFor:
    """The plan of a sample application (`definitions/samples/<name>.json`)."""

    def plan(sample: str) -> Plan:
        data = json.loads((SAMPLES / f"{sample}.json").read_text(encoding="utf-8"))
        return make_plan(workflows[data["workflow"]], catalogue.matters, values=data["fields"])

    return plan


def test_long_utility_works_11_working_days_in_series_become_same_day(plan_for: PlanFor) -> None:
    plan = plan_for("utility-external-works-long")
    assert plan.separate_days == 11  # occupation 5 + digging 3 + traffic police 3
    assert plan.separate_matters == (
        "road-occupation-permit",
        "road-digging-permit",
        "traffic-police-road-works-consent",
    )
    assert plan.critical_days == 0  # same-day
    assert plan.critical_path[-2:] == ("joint-decision", "delivery")
    assert "same-day" in render_plan(plan) and "11 working days" in render_plan(plan)


def test_trees_add_the_greening_matter_but_not_a_day(plan_for: PlanFor) -> None:
    plan = plan_for("utility-external-works-long-trees")
    assert (plan.separate_days, plan.critical_days) == (16, 0)


def test_short_works_are_a_filing_on_the_spot(plan_for: PlanFor) -> None:
    plan = plan_for("utility-external-works-short")
    assert plan.critical_path == ("filing",)
    assert [s.id for s in plan.steps if s.applies] == ["filing"]
    assert plan.departments[0].department == "approval-bureau"


def test_publication_runs_on_its_own_clock(plan_for: PlanFor) -> None:
    plan = plan_for("utility-external-works-long")
    publication = next(s for s in plan.steps if s.id == "publication")
    assert not publication.counted and str(publication.limit) == "7 working-days"
    assert plan.serial_days == 0


@pytest.mark.parametrize(
    ("sample", "critical", "separate"),
    [
        ("foreign-work-permit-exit-entry", 12, 17),  # 10 + 2 combined vs 10 + 7 alone
        ("foreign-work-permit-exit-entry-category-a", 7, 17),  # A: 5-day permit, then 2
        ("foreign-work-permit-exit-entry-short-term", 5, 5),  # ≤ 90 days: permit only
        ("ride-hailing-dual-licence", 1, 6),  # the use-type change takes the one day
        ("ride-hailing-dual-licence-registered-vehicle", 0, 5),
    ],
)
def test_figures_of_the_other_services(
    sample: str, critical: int, separate: int, plan_for: PlanFor
) -> None:
    plan = plan_for(sample)
    assert (plan.critical_days, plan.separate_days) == (critical, separate)
    assert plan.critical_days <= plan.serial_days <= plan.critical_days + plan.serial_days


def test_parallel_branches_overlap(plan_for: PlanFor) -> None:
    plan = plan_for("foreign-work-permit-exit-entry")
    by_id = {s.id: s for s in plan.steps}
    assert by_id["exit-entry-pre-review"].start == by_id["work-permit-long"].start == 0
    assert by_id["residence-permit-decision"].start == 10
    assert plan.serial_days == 14 > plan.critical_days == 12
    load = {d.department: d.days for d in plan.departments}
    assert load == {"approval-bureau": 0, "science": 10, "exit-entry": 4}


def test_without_data_every_condition_counts(
    workflows: dict[str, Workflow], catalogue: Catalogue
) -> None:
    plan = make_plan(workflows["foreign-work-permit-exit-entry"], catalogue.matters)
    assert not plan.data_given and all(s.applies is None for s in plan.steps)
    assert (
        plan.critical_days
        == make_plan(workflows["foreign-work-permit-exit-entry"], {}).critical_days
        == 12
    )


def test_json_form(plan_for: PlanFor) -> None:
    data = PlanView.of(plan_for("utility-external-works-long")).model_dump(mode="json")
    assert data["handled_separately_days"] == 11 and data["critical_path_days"] == 0
    assert json.loads(json.dumps(data)) == data


def test_working_hours_count_as_the_calendars_business_day() -> None:
    from engine.calendar import Limit, load_calendars
    from engine.definitions.limits import exceeds, format_days, working_days

    cn = load_calendars(Path(__file__).resolve().parents[3] / "definitions" / "calendars").get("cn")
    assert cn.day_minutes == 7 * 60  # 09:00-12:00 and 13:30-17:30
    assert working_days(Limit.parse("7 working-hours")) == 1
    assert working_days(Limit.parse("14 working-hours")) == 2
    assert format_days(Fraction(1, 2)) == "0.5 working days"
    assert exceeds(Limit.parse("8 working-hours"), Limit.parse("1 working-days"))
    assert not exceeds(Limit.parse("7 working-hours"), Limit.parse("1 working-days"))
    # natural days are compared only with natural days
    assert not exceeds(Limit.parse("30 natural-days"), Limit.parse("20 working-days"))


def test_each_path_shows_its_steps_in_series_beside_its_critical_path(
    workflows: dict[str, Workflow], catalogue: Catalogue
) -> None:
    workflow = workflows["foreign-work-permit-exit-entry"]
    paths = make_plan(workflow, catalogue.matters).paths
    assert len(paths) == len(workflow.limit_rules) + 1
    for path in paths:
        assert path.critical_days <= path.serial_days
    # the long permit path: 10 (science) + 2 (pre-review, beside it) + 2 (residence) in series
    otherwise = paths[-1]
    assert (otherwise.critical_days, otherwise.serial_days) == (12, 14)
    # the path an application takes gives the same figures as that application's plan
    data = json.loads((SAMPLES / "foreign-work-permit-exit-entry.json").read_text("utf-8"))
    alone = make_plan(workflow, catalogue.matters, values=data["fields"])
    (taken,) = alone.paths
    assert (taken.critical_days, taken.serial_days) == (alone.critical_days, alone.serial_days)


def _expected_counts(document: dict[str, Any], fields: dict[str, Any] | None) -> tuple[int, ...]:
    """(supplied, library, registry) counted from the workflow's YAML: the required materials
    an application with `fields` is asked (all of them when None), by where they come from."""
    asked = [
        m
        for m in document["materials"]
        if m.get("required", True)
        and (fields is None or "when" not in m or parse_when(str(m["when"])).holds(fields))
    ]
    library = sum(1 for m in asked if "library" in (m.get("source") or {}))
    registry = sum(1 for m in asked if "registry" in (m.get("source") or {}))
    return len(asked) - library - registry, library, registry


def test_the_plan_counts_per_workflow_and_path_what_the_applicant_no_longer_brings(
    workflows: dict[str, Workflow], catalogue: Catalogue, definitions_dir: Path
) -> None:
    """减少收件材料 (report 二、(一)): every shipped workflow, each path, the materials the
    applicant supplies beside those read from the library or a registry."""
    assert len(workflows) == 5
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.json"))]
    looked_up = {}
    for workflow_id, workflow in workflows.items():
        path = definitions_dir / "workflows" / f"{workflow_id}.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        plan = make_plan(workflow, catalogue.matters)
        assert plan.materials is not None
        count = (plan.materials.supplied, plan.materials.library, plan.materials.registry)
        assert count == _expected_counts(document, None), workflow_id
        view = PlanView.of(plan).materials
        assert view is not None and (view.supplied, view.looked_up) == (count[0], sum(count[1:]))
        supplied, library, registry = count
        assert (
            f"materials            applicant supplies {supplied}, looked up {library + registry}"
            f" (library {library}, registries {registry})"
        ) in render_plan(plan)
        looked_up[workflow_id] = library + registry
        for path_plan in plan.paths:  # each path against a sample application taking it
            rule = path_plan.rule
            taking = [
                s["fields"]
                for s in samples
                if s["workflow"] == workflow_id
                and (workflow.limit_rule_for(s["fields"]) is None) == (rule is None)
                and (
                    rule is None
                    or workflow.limit_rules[rule] == workflow.limit_rule_for(s["fields"])
                )
            ]
            assert path_plan.materials is not None
            for fields in taking:  # no application on the path is asked more than it says
                supplied, library, registry = _expected_counts(document, fields)
                assert path_plan.materials.library + path_plan.materials.registry >= library
                assert path_plan.materials.supplied >= supplied
    # the figure the README gives: what each workflow no longer asks of the applicant
    assert looked_up == {
        "construction-permit": 2,  # business licence + supervision registration
        "enterprise-establishment": 0,  # the enterprise does not exist yet
        "foreign-work-permit-exit-entry": 1,  # the employer's business licence
        "ride-hailing-dual-licence": 0,
        "utility-external-works": 1,  # the applicant's business licence
    }


def test_the_short_work_permit_path_is_asked_no_health_certificate(
    workflows: dict[str, Workflow], definitions_dir: Path
) -> None:
    """A path's count is that of the path: work of 90 days or less needs no health certificate
    (its `when`), so the applicant supplies one material fewer on it."""
    workflow = workflows["foreign-work-permit-exit-entry"]
    document = yaml.safe_load(
        (definitions_dir / "workflows" / f"{workflow.id}.yaml").read_text(encoding="utf-8")
    )
    short, other = path_plans(workflow)
    assert short.when == "work_days <= 90" and short.materials and other.materials
    assert (short.materials.supplied, short.materials.library) == _expected_counts(
        document, {"work_days": 90, "permit_category": "B"}
    )[:2]
    assert other.materials.supplied == short.materials.supplied + 1
