"""Transfer (转办), withdrawal (撤回), termination (终止), closed cases, and the JSON snapshot."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from typing import Any, cast

import pytest

from engine.cases.case import Case, NegativeStatus
from engine.cases.machine import ACTIONS
from engine.cases.state import CaseStatus, StepStatus
from engine.views.cases import case_view
from tests.fixtures.desk import APPLICANT, LEADER, SYSTEM, WINDOW, Desk, at, officer
from tests.fixtures.road_works import (
    ALL_MATERIALS,
    OWNER,
    TREE_MATERIALS,
    TREES,
    road_works,
    with_step,
)

CHEN = officer("municipal", name="chen")


def transferred(desk: Desk) -> Any:
    case = desk.accepted(now=at(12, 1))
    return desk.act(case, "transfer", officer("municipal"), at(12, 2), step="municipal", to="chen")


def test_transfer_hands_the_step_to_another_officer(desk: Desk) -> None:
    case = transferred(desk)
    assert case.steps["municipal"].assignee == "chen"
    error = desk.refused(case, "approve", officer("municipal"), at(12, 2), step="municipal")
    assert "transferred to chen" in error.reason
    assert (
        desk.act(case, "approve", CHEN, at(12, 2), step="municipal").steps["municipal"].status
        is StepStatus.APPROVED
    )


def test_head_may_still_sign_a_transferred_step(desk: Desk) -> None:
    case = transferred(desk)
    case = desk.act(case, "approve", officer("municipal", "head"), at(12, 2), step="municipal")
    assert case.steps["municipal"].status is StepStatus.APPROVED


def test_transfer_refusals(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    reviewer = officer("municipal")
    desk.refused(case, "transfer", reviewer, at(12, 2), step="municipal")
    desk.refused(
        case,
        "transfer",
        reviewer,
        at(12, 2),
        step="municipal",
        to="liu",
        to_posts=[("traffic-police", "reviewer")],
    )
    desk.refused(case, "transfer", officer("traffic-police"), at(12, 2), step="municipal", to="liu")
    desk.refused(case, "transfer", officer("bureau"), at(12, 2), step="decision", to="liu")
    desk.refused(case, "transfer", WINDOW, at(12, 2), step="municipal", to="liu")
    error = desk.refused(
        case,
        "transfer",
        reviewer,
        at(12, 2),
        step="municipal",
        to="qian",
        to_posts=[("municipal", "window")],
    )
    assert "qian (window) may not sign this step" in error.reason
    error = desk.refused(case, "transfer", reviewer, at(12, 2), step="municipal", to=reviewer.name)
    assert "another officer" in error.reason


@pytest.mark.parametrize("actor", [APPLICANT, WINDOW], ids=["applicant", "window"])
def test_applicant_withdraws_and_open_steps_are_cancelled(desk: Desk, actor: Any) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(case, "withdraw", actor, at(12, 2))
    assert case.status is CaseStatus.WITHDRAWN and case.closed_at == at(12, 2)
    assert case.outcome == "withdrawn by the applicant"
    assert {r.status for r in case.steps.values()} == {StepStatus.CANCELLED, StepStatus.SKIPPED}


@pytest.mark.parametrize("action", ["withdraw", "terminate", "supplement"])
def test_a_case_action_given_a_step_is_refused(desk: Desk, action: str) -> None:
    case = desk.accepted(now=at(12, 1))
    error = desk.refused(
        case, action, LEADER, at(12, 2), step="municipal", reason="x", materials={"id-card": "d"}
    )
    assert f"{action} acts on the whole case" in str(error) and "'municipal'" in str(error)


def test_a_closed_cases_clocks_stopped_when_it_closed(desk: Desk) -> None:
    case = desk.act(desk.accepted(now=at(12, 1)), "withdraw", APPLICANT, at(12, 2))
    assert case.promised is not None and case.statutory is not None
    at_closing = case.promised.read(desk.calendar, at(12, 2))
    assert not at_closing.overdue and at_closing.remaining_working_days > 0
    # Viewed long after the promised date: the figures are those of the moment it closed.
    later = at(12, 31)
    assert case.promised.read(desk.calendar, later).overdue
    view = case_view(case, desk.calendar, later)
    assert view.clocks_at == at(12, 2)
    promised, statutory = view.promised, view.statutory
    assert promised is not None and statutory is not None
    assert (promised.overdue, promised.remaining_working_days) == (
        False,
        at_closing.remaining_working_days,
    )
    assert promised.remaining_working_minutes == at_closing.remaining_minutes
    closing = case.statutory.read(desk.calendar, at(12, 2))
    assert statutory.remaining_working_days == closing.remaining_working_days
    # An open case is read at `now`.
    open_case = desk.accepted(now=at(12, 1))
    reopened = case_view(open_case, desk.calendar, later).promised
    assert reopened is not None and reopened.overdue


def test_withdraw_before_acceptance_and_during_correction(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1))
    assert desk.act(case, "withdraw", APPLICANT, at(12, 1)).status is CaseStatus.WITHDRAWN
    case, _ = desk.submit(now=at(12, 1), materials={"site-plan": "d"})
    assert case.status is CaseStatus.CORRECTION
    assert desk.act(case, "withdraw", APPLICANT, at(12, 1)).status is CaseStatus.WITHDRAWN


def test_withdraw_by_an_officer_is_refused(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "withdraw", officer("municipal"), at(12, 2))
    desk.refused(case, "withdraw", LEADER, at(12, 2))
    desk.refused(case, "withdraw", officer("municipal", "window"), at(12, 2))


@pytest.mark.parametrize("actor", [LEADER, SYSTEM], ids=["leader", "system"])
def test_terminate_closes_the_case_with_a_notice(desk: Desk, actor: Any) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(case, "terminate", actor, at(12, 2), reason="承诺不实（告知承诺制）")
    assert case.status is CaseStatus.TERMINATED and case.closed_at == at(12, 2)
    assert case.outcome == "承诺不实（告知承诺制）"
    notice = case.notices[-1]
    assert notice.kind == "termination" and "承诺不实" in notice.text
    assert case.steps["municipal"].status is StepStatus.CANCELLED


def test_terminate_refusals(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "terminate", LEADER, at(12, 2))
    desk.refused(case, "terminate", officer("bureau"), at(12, 2), reason="x")
    desk.refused(case, "terminate", officer("bureau", "head"), at(12, 2), reason="x")
    desk.refused(case, "terminate", officer("municipal", "leader"), at(12, 2), reason="x")
    desk.refused(case, "terminate", APPLICANT, at(12, 2), reason="x")


def completed(desk: Desk) -> Case:
    case = desk.accepted(now=at(12, 1))
    for step_id in ("municipal", "traffic", "decision", "delivery"):
        case = desk.approve_all(case, step_id, at(12, 2))
    assert case.status is CaseStatus.COMPLETED
    return case


ANY_ARGS = {
    "step": "municipal",
    "reason": "x",
    "days": 1,
    "to": "chen",
    "items": ["site-plan"],
    "materials": {"site-plan": "d"},
    "negative": "C-1-N1",
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_actions_on_a_closed_case_are_refused(desk: Desk, action: str) -> None:
    case = completed(desk)
    for actor in (LEADER, WINDOW, officer("municipal"), APPLICANT, SYSTEM):
        desk.refused(case, action, actor, at(12, 3), **ANY_ARGS)


def test_refusal_on_a_closed_case_names_the_step_and_its_state(desk: Desk) -> None:
    case = completed(desk)
    error = desk.refused(case, "approve", officer("municipal"), at(12, 3), step="municipal")
    assert str(error).startswith("case C-1 step 'municipal' is completed, step approved:")
    assert "the case is closed" in str(error)
    assert (error.case, error.step, error.action) == ("C-1", "municipal", "approve")
    assert error.actor == "municipal-reviewer (reviewer@municipal)"


def test_end_branch_lets_the_join_go_on_without_that_branch(make_desk: Any) -> None:
    desk = make_desk(with_step(road_works(), "greening", on_reject="end-branch"))
    case = desk.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    case = desk.act(case, "reject", officer("greening"), at(12, 2), step="greening", reason="古树")
    case = desk.act(case, "confirm-negative", LEADER, at(12, 2), negative="C-1-N1")
    assert case.steps["greening"].status is StepStatus.REJECTED
    case = desk.approve_all(case, "municipal", at(12, 3))
    assert case.steps["decision"].status is StepStatus.PENDING  # still waits for traffic
    case = desk.approve_all(case, "traffic", at(12, 3))
    assert case.steps["decision"].status is StepStatus.ACTIVE
    assert case.status is CaseStatus.IN_PROGRESS


def test_case_without_any_delivered_result_ends_rejected(make_desk: Any) -> None:
    desk = make_desk(with_step(road_works(), "decision", on_reject="end-branch"))
    case = desk.accepted(now=at(12, 1))
    case = desk.approve_all(case, "municipal", at(12, 2))
    case = desk.approve_all(case, "traffic", at(12, 2))
    case = desk.act(case, "reject", officer(OWNER), at(12, 3), step="decision", reason="不符合")
    case = desk.act(case, "confirm-negative", LEADER, at(12, 3), negative="C-1-N1")
    # Delivery needs only the rejected decision, so nothing can be delivered.
    assert case.steps["delivery"].status is StepStatus.CANCELLED
    assert case.status is CaseStatus.REJECTED and case.outcome == "nothing to deliver"


def test_pending_negative_lapses_when_the_applicant_withdraws(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case, "reject", officer("municipal"), at(12, 2), step="municipal", reason="占道过长"
    )
    case = desk.act(case, "withdraw", APPLICANT, at(12, 2))
    assert case.negatives[0].status is NegativeStatus.LAPSED
    assert case.status is CaseStatus.WITHDRAWN


def test_refusal_pending_can_still_be_withdrawn(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1))
    case = desk.act(case, "refuse", WINDOW, at(12, 1), reason="不属于本机关职权范围")
    assert case.status is CaseStatus.REFUSAL_PENDING
    assert any(n.kind == "negative-registered" for n in case.notices)
    case = desk.act(case, "withdraw", APPLICANT, at(12, 1, 11))
    assert case.status is CaseStatus.WITHDRAWN


# -- the snapshot -------------------------------------------------------------------------------


def round_trips(case: Case) -> None:
    data = case.to_dict()
    assert Case.from_dict(json.loads(json.dumps(data, ensure_ascii=False))) == case
    assert Case.from_dict(data).to_dict() == data
    assert Case.from_json(case.to_json()) == case
    twin = case.copy()
    assert twin == case and shared_mutables(case, twin) == []


def shared_mutables(one: Any, two: Any, path: str = "case") -> list[str]:
    """Where `one` and `two` hold the same mutable object (a copy that is not deep)."""
    mutable = isinstance(one, list | dict | set) or (
        is_dataclass(one) and not cast(Any, type(one)).__dataclass_params__.frozen
    )
    if mutable and one is two:
        return [path]
    if isinstance(one, dict):
        return [p for k in one for p in shared_mutables(one[k], two[k], f"{path}[{k!r}]")]
    if isinstance(one, list | tuple):
        return [
            p
            for i, (a, b) in enumerate(zip(one, two, strict=True))
            for p in shared_mutables(a, b, f"{path}[{i}]")
        ]
    if is_dataclass(one):
        return [
            p
            for f in fields(one)
            for p in shared_mutables(getattr(one, f.name), getattr(two, f.name), f"{path}.{f.name}")
        ]
    return []


def test_snapshot_round_trips_after_a_complex_history(make_desk: Any) -> None:
    desk = make_desk(with_step(road_works(), "decision", on_reject={"return-to": "municipal"}))
    materials = {k: v for k, v in TREE_MATERIALS.items() if k not in ("traffic-plan", "id-card")}
    case, _ = desk.submit(now=at(12, 1), fields=TREES, materials=materials)
    round_trips(case)  # open correction at intake
    case = desk.act(case, "supplement", APPLICANT, at(12, 1, 11), materials={"id-card": "d"})
    case = desk.act(case, "accept", WINDOW, at(12, 1, 14))
    round_trips(case)  # deferred material with its deadline
    case = desk.act(case, "suspend", officer("greening"), at(12, 2), step="greening", reason="鉴定")
    round_trips(case)  # open suspension
    case = desk.act(
        case,
        "return-for-correction",
        officer("municipal"),
        at(12, 2),
        step="municipal",
        items=["site-plan"],
    )
    round_trips(case)
    case = desk.act(case, "supplement", APPLICANT, at(12, 3), materials={"site-plan": "d2"})
    case = desk.act(case, "resume", officer("greening"), at(12, 4), step="greening")
    case = desk.act(
        case,
        "extend",
        officer("municipal", "head"),
        at(12, 4),
        step="municipal",
        days=2,
        reason="复杂",
    )
    case = desk.act(case, "extend", LEADER, at(12, 4), days=3, reason="联合审查")
    case = desk.act(
        case, "transfer", officer("traffic-police"), at(12, 4), step="traffic", to="chen"
    )
    chen = officer("traffic-police", name="chen")
    case = desk.act(case, "reject", chen, at(12, 4), step="traffic", reason="x")
    case = desk.act(
        case, "overturn-negative", LEADER, at(12, 4), negative="C-1-N1", reason="复核后予以受理"
    )
    case = desk.approve_all(case, "municipal", at(12, 7))
    case = desk.act(case, "approve", chen, at(12, 7), step="traffic")
    case = desk.approve_all(case, "greening", at(12, 7))
    case = desk.act(case, "approve", officer("bureau"), at(12, 7), step="decision", comment="ok")
    case = desk.act(
        case,
        "reject",
        officer("bureau", "head"),
        at(12, 7),
        step="decision",
        reason="恢复方案不足",
        legal_basis="城市道路管理条例",
    )
    case = desk.act(case, "confirm-negative", LEADER, at(12, 8), negative="C-1-N2")
    round_trips(case)  # reopened steps, decided negatives
    case = desk.approve_all(case, "municipal", at(12, 8))
    case = desk.approve_all(case, "decision", at(12, 8))
    case = desk.act(case, "supplement", APPLICANT, at(12, 8), materials={"traffic-plan": "d3"})
    case = desk.approve_all(case, "delivery", at(12, 8))
    assert case.status is CaseStatus.COMPLETED
    assert case.steps["decision"].attempt == 2
    assert len(case.negatives) == 2 and len(case.notices) >= 6
    round_trips(case)


def test_snapshot_round_trips_a_refused_case(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), materials=dict(ALL_MATERIALS))
    case = desk.act(case, "refuse", WINDOW, at(12, 1), reason="非本机关职权")
    round_trips(case)
    case = desk.act(case, "confirm-negative", LEADER, at(12, 1), negative="C-1-N1")
    round_trips(case)
