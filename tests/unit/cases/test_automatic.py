"""Automatic steps without Prefect: which are ready, what the connector is asked, what its
answer does, and the fingerprint a waiting flow run is keyed by."""

from __future__ import annotations

from typing import Any

import pytest

from engine.cases.automatic import (
    completion,
    fingerprint,
    incident,
    ready_jobs,
    request_for,
)
from engine.cases.case import Case
from engine.cases.errors import IllegalAction
from tests.fixtures.desk import SYSTEM, WINDOW, Desk, at
from tests.fixtures.road_works import road_works

CONNECTOR = "engine.connectors.background:check"


def with_survey() -> dict[str, Any]:
    data = road_works()
    data["steps"].insert(
        0,
        {
            "id": "survey",
            "title": "地下管线核验",
            "department": "municipal",
            "kind": "check",
            "limit": "same-day",
            "connector": CONNECTOR,
        },
    )
    return data


@pytest.fixture
def survey_desk(make_desk: Any) -> Desk:
    return make_desk(with_survey())


def test_an_active_check_is_ready_under_its_case_step_attempt_key(survey_desk: Desk) -> None:
    case = survey_desk.accepted(now=at(12, 1))
    [job] = ready_jobs(case, survey_desk.workflow)
    assert (job.step_id, job.attempt, job.key) == ("survey", 1, "C-1:survey:1")
    assert str(job.connector) == CONNECTOR


def test_nothing_is_ready_before_acceptance(survey_desk: Desk) -> None:
    case, _ = survey_desk.submit(now=at(12, 1))
    assert ready_jobs(case, survey_desk.workflow) == []


def test_the_request_carries_the_pool_not_the_deferred_materials(survey_desk: Desk) -> None:
    materials = {
        "application-form": "doc-1",
        "site-plan": "doc-2",
        "id-card": "doc-3",
        "safety-pledge": "commitment",
    }
    case = survey_desk.accepted(now=at(12, 1), materials=materials)
    [job] = ready_jobs(case, survey_desk.workflow)
    request = request_for(case, job, now=at(12, 2))
    assert request["key"] == job.key
    assert request["asked_at"] == at(12, 2).isoformat()  # the connector reads no clock itself
    assert request["materials"] == materials  # the traffic plan is deferred (容缺): not there
    assert request["applicant"]["name"] == "张三"
    assert request["fields"]["length_m"] == 120


def test_an_ok_answer_approves_and_the_check_is_no_longer_ready(survey_desk: Desk) -> None:
    case = survey_desk.accepted(now=at(12, 1))
    [job] = ready_jobs(case, survey_desk.workflow)
    action, args = completion(job, {"ok": True, "findings": []})
    assert action == "approve"
    case = survey_desk.act(case, action, SYSTEM, at(12, 1, 11), **args)
    assert case.steps["survey"].status.value == "approved"
    assert case.steps["survey"].result["ok"] is True
    assert ready_jobs(case, survey_desk.workflow) == []


def test_a_failed_answer_rejects_with_its_findings_for_the_leader(survey_desk: Desk) -> None:
    case = survey_desk.accepted(now=at(12, 1))
    [job] = ready_jobs(case, survey_desk.workflow)
    action, args = completion(job, {"ok": False, "findings": ["管线冲突", "未避让燃气管"]})
    assert (action, args["reason"]) == ("reject", "管线冲突；未避让燃气管")
    case = survey_desk.act(case, action, SYSTEM, at(12, 1, 11), **args)
    assert case.steps["survey"].status.value == "rejection-pending"
    assert case.negatives[0].reason == "管线冲突；未避让燃气管"


def test_the_fingerprint_changes_with_the_case_and_survives_the_snapshot(
    survey_desk: Desk,
) -> None:
    case, _ = survey_desk.submit(now=at(12, 1))
    accepted = survey_desk.act(case, "accept", WINDOW, at(12, 1))
    assert fingerprint(case) != fingerprint(accepted)
    assert fingerprint(Case.from_json(accepted.to_json())) == fingerprint(accepted)


def test_an_incident_is_an_event_on_an_active_step_only(survey_desk: Desk) -> None:
    case = survey_desk.accepted(now=at(12, 1))
    [event] = incident(case, "survey", "connection refused", now=at(12, 1, 11))
    assert event.kind == "step.incident"
    assert event.data["step"] == "survey" and event.data["attempt"] == 1
    with pytest.raises(IllegalAction, match="decision"):
        incident(case, "decision", "connection refused", now=at(12, 1, 11))
