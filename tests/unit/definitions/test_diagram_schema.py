"""Diagrams mark the critical path; the JSON Schema describes the files the loader accepts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from engine.definitions import Catalogue, Workflow, make_plan
from engine.definitions.diagram import CRITICAL, diagram
from engine.definitions.schema import json_schema


def test_mermaid_shows_branches_and_the_critical_path(workflows: dict[str, Workflow]) -> None:
    workflow = workflows["ride-hailing-dual-licence"]
    text = diagram(workflow, make_plan(workflow, {}), format="mermaid")
    assert text.startswith("flowchart LR")
    assert "driver_registration --> background_check" in text
    assert "driver_registration --> traffic_record_check" in text  # a parallel branch
    assert (
        "class vehicle_review,use_type_change,transport_certificate_decision,delivery critical"
        in text
    )
    assert "class use_type_change conditional" in text


def test_dot_marks_critical_edges(workflows: dict[str, Workflow]) -> None:
    workflow = workflows["ride-hailing-dual-licence"]
    text = diagram(workflow, make_plan(workflow, {}), format="dot")
    assert (
        f'"use-type-change" -> "transport-certificate-decision" [color="{CRITICAL}", penwidth=3];'
        in text
    )
    assert '"driver-registration" -> "driver-exam";' in text
    assert "\\nwhen not use_type_registered" in text


def test_svg_is_well_formed_with_one_box_per_step(
    workflows: dict[str, Workflow], catalogue: Catalogue
) -> None:
    workflow = workflows["utility-external-works"]
    plan = make_plan(
        workflow, catalogue.matters, values={"length_m": 300, "occupies_carriageway": True}
    )
    root = ET.fromstring(diagram(workflow, plan, format="svg"))
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}g/{ns}rect")) == len(workflow.steps)
    red = [r for r in root.iter(f"{ns}rect") if r.get("stroke") == CRITICAL]
    assert len(red) == len(plan.critical_path) == 3


def test_schema_matches_the_format() -> None:
    schema = json_schema("workflow")
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) >= {
        "id",
        "version",
        "steps",
        "statutory_limit",
        "promised_limit",
    }
    assert schema["additionalProperties"] is False
    step = schema["$defs"]["Step"]
    assert {"needs", "when", "signers", "on_reject", "connector", "limit_rules"} <= set(
        step["properties"]
    )
    assert step["properties"]["limit"]["pattern"].startswith("^(same-day")
    assert json_schema("departments")["$defs"]["Channel"]["properties"]["secret_env"]
