"""Negative decisions (否定事项报备, docs/domain.md §negative-matters): registered, then
confirmed or overturned."""

from __future__ import annotations

from typing import Any

import pytest

from engine.cases.case import NegativeKind, NegativeStatus
from engine.cases.state import CaseStatus, StepStatus
from tests.fixtures.desk import LEADER, SYSTEM, WINDOW, Desk, at, officer
from tests.fixtures.road_works import (
    TREE_MATERIALS,
    TREES,
    road_works,
    with_background_check,
    with_step,
)

REFUSAL = {
    "reason": "不属于本机关职权范围",
    "facts": "申请事项为省级权限",
    "legal_basis": "行政许可法第三十二条第一款第二项",
}


def refused_at_intake(desk: Desk) -> Any:
    case, _ = desk.submit(now=at(12, 1))
    return desk.act(case, "refuse", WINDOW, at(12, 1), **REFUSAL)


def test_window_refusal_is_registered_and_waits_for_the_leader(desk: Desk) -> None:
    case = refused_at_intake(desk)
    assert case.status is CaseStatus.REFUSAL_PENDING
    [negative] = case.negatives
    assert negative.id == "C-1-N1"
    assert negative.kind is NegativeKind.REFUSE_ACCEPTANCE
    assert negative.status is NegativeStatus.PENDING
    assert (negative.facts, negative.reason, negative.legal_basis) == (
        REFUSAL["facts"],
        REFUSAL["reason"],
        REFUSAL["legal_basis"],
    )
    assert (negative.officer, negative.department) == ("wang", "bureau")
    assert negative.step_id is None and negative.registered_at == at(12, 1)
    assert not any(n.kind == "refusal" for n in case.notices)  # not out before the leader
    assert not case.status.closed


def test_leader_confirms_refusal_with_notice_of_remedies_and_help(desk: Desk) -> None:
    case = refused_at_intake(desk)
    case = desk.act(case, "confirm-negative", LEADER, at(12, 1, 15), negative="C-1-N1")
    assert case.status is CaseStatus.REFUSED and case.closed_at == at(12, 1, 15)
    negative = case.negatives[0]
    assert negative.status is NegativeStatus.CONFIRMED
    assert (negative.decided_by, negative.decided_at) == ("li", at(12, 1, 15))
    notice = case.notices[-1]
    assert notice.kind == "refusal"
    assert "不予受理决定" in notice.text and REFUSAL["reason"] in notice.text
    assert REFUSAL["legal_basis"] in notice.text
    for remedy in ("行政复议", "行政诉讼", "帮办代办", "现场指导", "容缺后补"):
        assert remedy in notice.text
    assert all(run.status is StepStatus.CANCELLED for run in case.steps.values())


def test_leader_overturns_refusal_and_the_window_may_accept(desk: Desk) -> None:
    case = refused_at_intake(desk)
    case = desk.act(
        case,
        "overturn-negative",
        LEADER,
        at(12, 1),
        negative="C-1-N1",
        reason="材料齐全，符合受理条件",
    )
    assert case.status is CaseStatus.SUBMITTED
    assert case.negatives[0].status is NegativeStatus.OVERTURNED
    assert case.negatives[0].decision_reason == "材料齐全，符合受理条件"
    assert desk.act(case, "accept", WINDOW, at(12, 1)).status is CaseStatus.IN_PROGRESS


def test_an_overturn_without_the_leaders_reason_is_refused(desk: Desk) -> None:
    case = refused_at_intake(desk)
    error = desk.refused(case, "overturn-negative", LEADER, at(12, 1), negative="C-1-N1")
    assert "'reason' is required" in error.reason


def test_cannot_handle_is_a_negative_kind_of_its_own(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1))
    case = desk.act(case, "refuse", WINDOW, at(12, 1), kind="cannot-handle", reason="系统故障")
    assert case.negatives[0].kind is NegativeKind.CANNOT_HANDLE
    case = desk.act(case, "confirm-negative", LEADER, at(12, 1), negative="C-1-N1")
    assert "不能办理" in case.notices[-1].text


def test_refusal_needs_a_reason_and_an_intake_officer(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1))
    desk.refused(case, "refuse", WINDOW, at(12, 1))
    desk.refused(case, "refuse", officer("municipal", "window"), at(12, 1), reason="x")
    accepted = desk.act(case, "accept", WINDOW, at(12, 1))
    desk.refused(accepted, "refuse", WINDOW, at(12, 1), reason="x")


@pytest.mark.parametrize(
    "actor",
    [
        WINDOW,
        officer("bureau", "reviewer"),
        officer("bureau", "head"),
        officer("municipal", "leader"),
    ],
    ids=["window", "reviewer", "head", "leader-of-another-department"],
)
def test_only_the_responsible_leader_decides_a_negative(desk: Desk, actor: Any) -> None:
    case = refused_at_intake(desk)
    for action in ("confirm-negative", "overturn-negative"):
        error = desk.refused(case, action, actor, at(12, 1), negative="C-1-N1")
        assert "leader" in error.reason


def test_deciding_an_unknown_or_decided_negative_is_refused(desk: Desk) -> None:
    case = refused_at_intake(desk)
    desk.refused(case, "confirm-negative", LEADER, at(12, 1), negative="C-1-N9")
    desk.refused(case, "confirm-negative", LEADER, at(12, 1))
    case = desk.act(
        case,
        "overturn-negative",
        LEADER,
        at(12, 1),
        negative="C-1-N1",
        reason="材料齐全，符合受理条件",
    )
    desk.refused(case, "confirm-negative", LEADER, at(12, 1), negative="C-1-N1")


# -- 不予许可 at a step -------------------------------------------------------------------------


def rejected(desk: Desk, step: str, department: str, **case_args: Any) -> Any:
    case = desk.accepted(now=at(12, 1), **case_args)
    return desk.act(
        case,
        "reject",
        officer(department),
        at(12, 2),
        step=step,
        reason="施工方案影响主干道通行",
        legal_basis="城市道路管理条例第三十条",
    )


def test_reject_registers_a_negative_and_holds_the_step(desk: Desk) -> None:
    case = rejected(desk, "municipal", "municipal")
    run = case.steps["municipal"]
    assert run.status is StepStatus.REJECTION_PENDING
    assert run.signatures[-1].decision == "reject"
    [negative] = case.negatives
    assert negative.kind is NegativeKind.REFUSE_LICENCE and negative.step_id == "municipal"
    assert negative.department == "municipal"
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.steps["traffic"].status is StepStatus.ACTIVE  # the other branch goes on
    desk.refused(case, "approve", officer("municipal"), at(12, 2), step="municipal")
    desk.refused(case, "reject", officer("municipal"), at(12, 2), step="municipal", reason="x")


def test_reject_needs_a_reason(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "reject", officer("municipal"), at(12, 2), step="municipal")


def test_confirmed_rejection_end_case_rejects_the_case(desk: Desk) -> None:
    case = rejected(desk, "municipal", "municipal")
    case = desk.act(case, "confirm-negative", LEADER, at(12, 3), negative="C-1-N1")
    assert case.status is CaseStatus.REJECTED
    assert case.outcome == "rejected at municipal"
    assert case.steps["municipal"].status is StepStatus.REJECTED
    assert case.steps["traffic"].status is StepStatus.CANCELLED
    notice = case.notices[-1]
    assert notice.kind == "rejection" and notice.step_id == "municipal"
    assert "不予许可决定" in notice.text and "行政复议" in notice.text


def test_leader_of_the_rejecting_department_may_decide(desk: Desk) -> None:
    case = rejected(desk, "municipal", "municipal")
    leader = officer("municipal", "leader")
    assert desk.act(case, "confirm-negative", leader, at(12, 3), negative="C-1-N1").status is (
        CaseStatus.REJECTED
    )
    desk.refused(
        case, "confirm-negative", officer("traffic-police", "leader"), at(12, 3), negative="C-1-N1"
    )


def test_overturned_rejection_restores_the_step(desk: Desk) -> None:
    case = rejected(desk, "municipal", "municipal")
    case = desk.act(
        case, "overturn-negative", LEADER, at(12, 3), negative="C-1-N1", reason="复核后予以受理"
    )
    run = case.steps["municipal"]
    assert run.status is StepStatus.ACTIVE
    assert run.signatures == []
    assert case.negatives[0].status is NegativeStatus.OVERTURNED
    assert not any(n.kind == "rejection" for n in case.notices)
    case = desk.act(case, "approve", officer("municipal"), at(12, 3), step="municipal")
    assert case.steps["municipal"].status is StepStatus.APPROVED


def test_confirmed_rejection_end_branch_cancels_only_what_follows(make_desk: Any) -> None:
    data = road_works()
    data["steps"].append(
        {
            "id": "green-delivery",
            "title": "绿地许可送达",
            "department": "bureau",
            "kind": "delivery",
            "needs": ["greening"],
            "limit": "same-day",
        }
    )
    data = with_step(data, "decision", needs=["municipal", "traffic"])
    desk = make_desk(data)
    case = rejected(desk, "greening", "greening", fields=TREES, materials=TREE_MATERIALS)
    case = desk.act(case, "confirm-negative", LEADER, at(12, 3), negative="C-1-N1")
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.steps["greening"].status is StepStatus.REJECTED
    assert case.steps["green-delivery"].status is StepStatus.CANCELLED
    assert case.notices[-1].kind == "rejection"
    for step_id in ("municipal", "traffic", "decision", "delivery"):
        case = desk.approve_all(case, step_id, at(12, 4))
    assert case.status is CaseStatus.COMPLETED and case.outcome == "delivered"


def test_confirmed_rejection_return_to_reopens_the_target_and_what_follows(make_desk: Any) -> None:
    desk = make_desk(with_step(road_works(), "decision", on_reject={"return-to": "municipal"}))
    case = desk.accepted(now=at(12, 1))
    case = desk.approve_all(case, "municipal", at(12, 2))
    case = desk.approve_all(case, "traffic", at(12, 2))
    case = desk.act(case, "approve", officer("bureau", "head"), at(12, 3), step="decision")
    case = desk.act(
        case, "reject", officer("bureau"), at(12, 3), step="decision", reason="道路恢复方案不足"
    )
    case = desk.act(case, "confirm-negative", LEADER, at(12, 4), negative="C-1-N1")
    assert case.status is CaseStatus.IN_PROGRESS
    municipal = case.steps["municipal"]
    assert municipal.status is StepStatus.ACTIVE and municipal.attempt == 2
    assert municipal.signatures == [] and municipal.clock.start == at(12, 4)
    assert case.steps["traffic"].status is StepStatus.APPROVED  # not after the target
    decision = case.steps["decision"]
    assert decision.status is StepStatus.PENDING and decision.signatures == []
    # 退回 is not a final decision: no 不予许可 notice with remedies goes out.
    assert not any(n.kind == "rejection" for n in case.notices)
    case = desk.approve_all(case, "municipal", at(12, 7))
    assert case.steps["decision"].status is StepStatus.ACTIVE
    assert case.steps["decision"].attempt == 2
    case = desk.approve_all(case, "decision", at(12, 7))
    case = desk.approve_all(case, "delivery", at(12, 7))
    assert case.status is CaseStatus.COMPLETED


def test_failed_automatic_check_is_reported_not_refused_alone(make_desk: Any) -> None:
    desk = make_desk(with_background_check(road_works()))
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case, "reject", SYSTEM, at(12, 1), step="background", reason="有犯罪记录", result={"hit": 1}
    )
    assert case.steps["background"].status is StepStatus.REJECTION_PENDING
    assert case.steps["background"].result == {"hit": 1}
    assert case.negatives[0].officer == "connector"
    case = desk.act(case, "confirm-negative", LEADER, at(12, 2), negative="C-1-N1")
    assert case.status is CaseStatus.REJECTED


def test_overturned_failed_check_runs_again_under_a_new_attempt(make_desk: Any) -> None:
    desk = make_desk(with_background_check(road_works()))
    case = desk.accepted(now=at(12, 1))
    first = case.steps["background"].attempt
    case = desk.act(case, "reject", SYSTEM, at(12, 1), step="background", reason="疑似重名")
    assert case.negatives[0].department == case.steps["background"].department
    case = desk.act(
        case, "overturn-negative", LEADER, at(12, 2), negative="C-1-N1", reason="复核后予以受理"
    )
    run = case.steps["background"]
    assert run.status is StepStatus.ACTIVE
    assert run.attempt == first + 1  # the connector's idempotency key changes with it
    case = desk.act(case, "approve", SYSTEM, at(12, 2), step="background", result={"ok": True})
    assert case.steps["background"].status is StepStatus.APPROVED
