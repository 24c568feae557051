"""Intake (Art. 32 一次告知), deferred materials (容缺受理), commitments, acceptance, clocks."""

from __future__ import annotations

from typing import Any

import pytest

from engine.cases.case import Case, MaterialStatus
from engine.cases.state import CaseStatus, StepStatus
from engine.definitions.application import ApplicationError
from tests.fixtures.desk import APPLICANT, LEADER, SYSTEM, WINDOW, Desk, at, officer
from tests.fixtures.road_works import ALL_MATERIALS, TREE_MATERIALS, TREES, road_works


def without(*ids: str) -> dict[str, Any]:
    return {k: v for k, v in ALL_MATERIALS.items() if k not in ids}


def keys(case: Case) -> list[str]:
    """The keys of the items on the case's correction."""
    assert case.correction is not None
    return [item.key for item in case.correction.items]


def test_complete_application_is_submitted_with_its_material_pool(desk: Desk) -> None:
    case, events = desk.submit(now=at(12, 1))
    assert case.status is CaseStatus.SUBMITTED
    assert case.correction is None and case.notices == []
    assert case.materials["site-plan"].status is MaterialStatus.SUPPLIED
    assert case.materials["site-plan"].reference == "doc-2"
    assert all(run.status is StepStatus.PENDING for run in case.steps.values())
    assert case.accepted_at is None and case.promised is None
    assert [e.kind for e in events][0] == "case.submitted"


def test_commitment_stands_in_for_a_proof_that_allows_it(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials={**ALL_MATERIALS, "safety-pledge": "commitment"})
    assert case.status is CaseStatus.SUBMITTED
    assert case.materials["safety-pledge"].status is MaterialStatus.COMMITTED


def test_commitment_is_refused_for_a_material_that_does_not_allow_it(desk: Desk) -> None:
    with pytest.raises(ApplicationError) as caught:
        desk.submit(now=at(12, 1), materials={**ALL_MATERIALS, "site-plan": "commitment"})
    assert str(caught.value) == (
        "materials.site-plan: material 'site-plan' cannot be replaced by a commitment"
    )


def test_unknown_material_is_refused_at_intake(desk: Desk) -> None:
    with pytest.raises(ApplicationError, match="unknown material 'passport'"):
        desk.submit(now=at(12, 1), materials={**ALL_MATERIALS, "passport": "doc-9"})


def test_art32_missing_materials_get_one_consolidated_notice(desk: Desk) -> None:
    case, _ = desk.submit(
        now=at(12, 1), materials=without("application-form", "id-card", "safety-pledge")
    )
    assert case.status is CaseStatus.CORRECTION
    assert case.correction is not None
    assert keys(case) == ["application-form", "id-card", "safety-pledge"]
    assert case.correction.asked_by == ["intake"]
    [notice] = case.notices
    assert notice.kind == "correction" and "第三十二条" in notice.text
    for title in ("申请表", "身份证明", "安全承诺书"):
        assert title in notice.text
    assert "施工平面图" not in notice.text
    for item in keys(case):
        assert case.materials[item].status is MaterialStatus.MISSING


def test_art32_notice_leaves_out_deferrable_materials(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials=without("id-card", "traffic-plan"))
    assert case.correction is not None
    assert keys(case) == ["id-card"]
    assert "交通组织方案" not in case.notices[0].text


def test_art32_conditional_material_is_asked_only_when_its_condition_holds(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), fields={"length_m": 120, "affects_trees": False})
    assert case.status is CaseStatus.SUBMITTED
    case, _ = desk.submit(now=at(12, 1), fields=TREES)
    assert keys(case) == ["tree-survey"]


def test_art32_partial_supplement_keeps_the_one_notice_open(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials=without("application-form", "id-card"))
    case, events = desk.act_events(
        case, "supplement", APPLICANT, at(12, 2), materials={"id-card": "doc-3"}
    )
    assert case.status is CaseStatus.CORRECTION
    assert ("correction.partial", {"outstanding": ["application-form"]}) in [
        (e.kind, e.data) for e in events
    ]
    assert len(case.notices) == 1


def test_art32_full_supplement_returns_the_case_to_intake(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials=without("application-form", "id-card"))
    case = desk.act(
        case,
        "supplement",
        APPLICANT,
        at(12, 2),
        materials={"id-card": "doc-3", "application-form": "doc-1"},
    )
    assert case.status is CaseStatus.SUBMITTED
    assert case.correction is None and case.holds == []
    assert case.materials["id-card"].status is MaterialStatus.SUPPLIED
    case = desk.act(case, "accept", WINDOW, at(12, 2))
    assert case.status is CaseStatus.IN_PROGRESS


def test_window_may_close_a_correction_as_complete(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials=without("application-form", "id-card"))
    case = desk.act(
        case, "supplement", WINDOW, at(12, 2), materials={"id-card": "doc-3"}, complete=True
    )
    assert case.status is CaseStatus.SUBMITTED and case.correction is None


def test_supplement_refusals(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials=without("id-card"))
    desk.refused(case, "supplement", APPLICANT, at(12, 2))
    desk.refused(case, "supplement", APPLICANT, at(12, 2), materials={})
    desk.refused(case, "supplement", APPLICANT, at(12, 2), materials={"passport": "x"})
    desk.refused(case, "supplement", officer("municipal"), at(12, 2), materials={"id-card": "x"})
    desk.refused(
        case, "supplement", officer("municipal", "window"), at(12, 2), materials={"id-card": "x"}
    )


def test_accept_refused_while_the_correction_is_open(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials=without("id-card"))
    error = desk.refused(case, "accept", WINDOW, at(12, 1))
    assert "submitted" in error.reason


def test_accept_starts_the_promised_and_statutory_clocks(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1))
    case = desk.act(case, "accept", WINDOW, at(12, 1))
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.accepted_at == at(12, 1)
    assert case.promised is not None and case.statutory is not None
    # Day of acceptance not counted; 10 and 20 working days of December 2026.
    assert case.promised.read(desk.calendar, at(12, 1)).due == at(12, 15, 17, 30)
    assert case.statutory.read(desk.calendar, at(12, 1)).due == at(12, 29, 17, 30)
    [notice] = case.notices
    assert notice.kind == "acceptance" and "2026年12月15日 17:30（UTC+08:00）" in notice.text


@pytest.mark.parametrize(
    "actor",
    [officer("municipal", "window"), officer(WINDOW.department or "", "reviewer"), APPLICANT],
    ids=["window-of-another-department", "reviewer", "applicant"],
)
def test_only_the_owners_window_accepts(desk: Desk, actor: Any) -> None:
    case, _ = desk.submit(now=at(12, 1))
    desk.refused(case, "accept", actor, at(12, 1))


def test_accept_twice_is_refused(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "accept", WINDOW, at(12, 1))


# -- 容缺受理 -----------------------------------------------------------------------------------


def test_deferrable_material_missing_is_accepted_with_a_supply_deadline(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials=without("traffic-plan"))
    assert case.status is CaseStatus.SUBMITTED
    case = desk.act(case, "accept", WINDOW, at(12, 1))
    state = case.materials["traffic-plan"]
    assert state.status is MaterialStatus.DEFERRED
    assert state.deadline == at(12, 8, 17, 30)  # 5 working days
    deferral = [n for n in case.notices if n.kind == "deferral"]
    assert len(deferral) == 1
    assert "交通组织方案（2026年12月8日 17:30（UTC+08:00）前）" in deferral[0].text


def test_deferral_deadline_never_beyond_the_promised_limit(make_desk: Any) -> None:
    data = road_works(promised_limit="3 working-days")
    desk = make_desk(data)
    case = desk.accepted(now=at(12, 1), materials=without("traffic-plan"))
    assert case.promised is not None
    promised_due = case.promised.read(desk.calendar, at(12, 1)).due
    assert promised_due == at(12, 4, 17, 30)
    assert case.materials["traffic-plan"].deadline == promised_due


def test_deferrable_material_whose_condition_fails_is_not_deferred(make_desk: Any) -> None:
    data = road_works()
    data["materials"].append(
        {
            "id": "tree-plan",
            "title": "补植方案",
            "when": "affects_trees",
            "deferrable": {"supply_within": "5 working-days"},
        }
    )
    desk = make_desk(data)
    case = desk.accepted(now=at(12, 1))
    assert "tree-plan" not in case.materials
    case = desk.accepted(
        now=at(12, 1),
        fields=TREES,
        materials=TREE_MATERIALS,
    )
    assert case.materials["tree-plan"].status is MaterialStatus.DEFERRED


def finish_reviews(desk: Desk, case: Any, now: Any) -> Any:
    for step_id in ("municipal", "traffic", "decision"):
        case = desk.approve_all(case, step_id, now)
    return case


def test_delivery_waits_for_deferred_materials(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1), materials=without("traffic-plan"))
    case = finish_reviews(desk, case, at(12, 3))  # review goes on meanwhile
    assert case.steps["delivery"].status is StepStatus.ACTIVE
    error = desk.refused(case, "approve", officer("bureau"), at(12, 3), step="delivery")
    assert "容缺" in error.reason and "traffic-plan" in error.reason
    case = desk.act(case, "supplement", APPLICANT, at(12, 4), materials={"traffic-plan": "d-8"})
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.materials["traffic-plan"].status is MaterialStatus.SUPPLIED
    case = desk.act(case, "approve", officer("bureau"), at(12, 4), step="delivery")
    assert case.status is CaseStatus.COMPLETED and case.outcome == "delivered"


def test_expire_deferrals_terminates_after_the_deadline(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1), materials=without("traffic-plan"))
    desk.refused(case, "expire-deferrals", SYSTEM, at(12, 8, 17, 0))  # not yet late
    case = desk.act(case, "expire-deferrals", SYSTEM, at(12, 9, 9, 0))
    assert case.status is CaseStatus.TERMINATED
    assert case.closed_at == at(12, 9, 9, 0)
    assert "交通组织方案" in case.outcome and "traffic-plan" not in case.outcome
    assert case.notices[-1].kind == "termination"
    assert all(run.status.finished for run in case.steps.values())
    assert case.steps["municipal"].status is StepStatus.CANCELLED


def test_expire_deferrals_does_nothing_once_supplied(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1), materials=without("traffic-plan"))
    case = desk.act(case, "supplement", APPLICANT, at(12, 2), materials={"traffic-plan": "d"})
    desk.refused(case, "expire-deferrals", SYSTEM, at(12, 20))


def test_expire_deferrals_is_for_the_system_or_the_leader(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1), materials=without("traffic-plan"))
    desk.refused(case, "expire-deferrals", APPLICANT, at(12, 9))
    desk.refused(case, "expire-deferrals", officer("municipal"), at(12, 9))
    assert desk.act(case, "expire-deferrals", LEADER, at(12, 9)).status is CaseStatus.TERMINATED
