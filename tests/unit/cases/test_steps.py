"""Steps: parallel activation, conditions, joins, signer modes, automatic steps, who may sign."""

from __future__ import annotations

from typing import Any

import pytest

from engine.calendar import StatutoryClock
from engine.cases.case import Case
from engine.cases.state import CaseStatus, StepStatus
from tests.fixtures.desk import SYSTEM, WINDOW, Desk, at, officer
from tests.fixtures.road_works import (
    TREE_MATERIALS,
    TREES,
    road_works,
    with_background_check,
    with_step,
)


def clocks(case: Case) -> dict[str, StatutoryClock]:
    """The running clocks of the case's steps."""
    return {k: v.clock for k, v in case.steps.items() if v.clock is not None}


def statuses(case: Any) -> dict[str, str]:
    return {k: v.status.value for k, v in case.steps.items()}


def test_accept_activates_all_independent_steps_at_once(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    case, events = desk.act_events(case, "accept", WINDOW, at(12, 1))
    activated = [e.data["step"] for e in events if e.kind == "step.activated"]
    assert activated == ["municipal", "traffic", "greening"]
    for step_id in activated:
        run = case.steps[step_id]
        assert run.status is StepStatus.ACTIVE and run.attempt == 1
        assert run.activated_at == at(12, 1)
        assert run.clock is not None and run.clock.start == at(12, 1)
    due = {s: c.read(desk.calendar, at(12, 1)).due for s, c in clocks(case).items()}
    assert (due["municipal"], due["greening"]) == (at(12, 4, 17, 30), at(12, 3, 17, 30))
    assert case.steps["decision"].status is StepStatus.PENDING


def test_conditional_step_is_skipped_when_its_condition_is_false(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    assert case.steps["greening"].status is StepStatus.SKIPPED
    assert case.steps["greening"].clock is None


def test_join_waits_for_all_its_needs(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    case = desk.approve_all(case, "municipal", at(12, 2))
    case = desk.approve_all(case, "traffic", at(12, 2))
    assert case.steps["decision"].status is StepStatus.PENDING
    case, events = desk.act_events(case, "approve", officer("greening"), at(12, 3), step="greening")
    assert case.steps["decision"].status is StepStatus.ACTIVE
    assert clocks(case)["decision"].start == at(12, 3)
    assert [e.data["step"] for e in events if e.kind == "step.activated"] == ["decision"]


def test_join_after_a_skipped_step_starts_when_the_others_finish(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.approve_all(case, "municipal", at(12, 2))
    assert case.steps["decision"].status is StepStatus.PENDING
    case = desk.approve_all(case, "traffic", at(12, 2))
    assert case.steps["decision"].status is StepStatus.ACTIVE


def test_whole_case_runs_to_delivery(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    for step_id in ("municipal", "traffic", "decision", "delivery"):
        case = desk.approve_all(case, step_id, at(12, 2))
    assert case.status is CaseStatus.COMPLETED
    assert case.outcome == "delivered" and case.closed_at == at(12, 2)
    assert all(run.finished_at is not None for run in case.steps.values())


def test_limit_rule_makes_a_short_works_same_day(make_desk: Any) -> None:
    data = with_step(
        road_works(),
        "municipal",
        limit_rules=[{"when": "length_m <= 200", "limit": "same-day", "source": "local"}],
    )
    desk = make_desk(data)
    short = desk.accepted(now=at(12, 1), fields={"length_m": 150})
    long = desk.accepted(now=at(12, 1), fields={"length_m": 500})
    assert short.steps["municipal"].clock.read(desk.calendar, at(12, 1)).due == at(12, 1, 17, 30)
    assert long.steps["municipal"].clock.read(desk.calendar, at(12, 1)).due == at(12, 4, 17, 30)


# -- signer modes -----------------------------------------------------------------------------


def in_decision(desk: Desk) -> Any:
    case = desk.accepted(now=at(12, 1))
    case = desk.approve_all(case, "municipal", at(12, 2))
    return desk.approve_all(case, "traffic", at(12, 2))


def signers(mode: str, roles: list[str], **extra: Any) -> dict[str, Any]:
    return with_step(road_works(), "decision", signers={"mode": mode, "roles": roles, **extra})


def test_all_mode_needs_every_role(desk: Desk) -> None:
    case = in_decision(desk)
    case = desk.act(case, "approve", officer("bureau", "head"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.ACTIVE
    desk.refused(case, "approve", officer("bureau", "head", "zhao"), at(12, 3), step="decision")
    case = desk.act(case, "approve", officer("bureau"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.APPROVED
    assert [s.role for s in case.steps["decision"].signatures] == ["head", "reviewer"]


def test_all_mode_with_the_same_role_in_two_departments(make_desk: Any) -> None:
    desk = make_desk(signers("all", ["reviewer", "municipal/reviewer"]))
    case = in_decision(desk)
    case = desk.act(case, "approve", officer("bureau"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.ACTIVE
    desk.refused(case, "approve", officer("bureau", name="sun"), at(12, 3), step="decision")
    case = desk.act(case, "approve", officer("municipal"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.APPROVED


def test_all_mode_with_a_role_listed_twice_needs_two_officers(make_desk: Any) -> None:
    desk = make_desk(signers("all", ["reviewer", "reviewer"]))
    case = in_decision(desk)
    case = desk.act(case, "approve", officer("bureau", name="a"), at(12, 3), step="decision")
    desk.refused(case, "approve", officer("bureau", name="a"), at(12, 3), step="decision")
    case = desk.act(case, "approve", officer("bureau", name="b"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.APPROVED


def test_any_mode_needs_one_signature(make_desk: Any) -> None:
    desk = make_desk(signers("any", ["reviewer", "head"]))
    case = in_decision(desk)
    case = desk.act(case, "approve", officer("bureau", "head"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.APPROVED


def test_quorum_mode_needs_that_many_distinct_officers(make_desk: Any) -> None:
    desk = make_desk(signers("quorum", ["reviewer", "head"], quorum=2))
    case = in_decision(desk)
    case = desk.act(case, "approve", officer("bureau", name="a"), at(12, 3), step="decision")
    error = desk.refused(case, "approve", officer("bureau", name="a"), at(12, 3), step="decision")
    assert "already signed" in error.reason
    assert case.steps["decision"].status is StepStatus.ACTIVE
    case = desk.act(case, "approve", officer("bureau", name="b"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.APPROVED


def test_sequential_mode_signs_in_the_declared_order(make_desk: Any) -> None:
    desk = make_desk(signers("sequential", ["reviewer", "head"]))
    case = in_decision(desk)
    error = desk.refused(case, "approve", officer("bureau", "head"), at(12, 3), step="decision")
    assert "bureau/reviewer's turn" in error.reason
    case = desk.act(case, "approve", officer("bureau"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.ACTIVE
    case = desk.act(case, "approve", officer("bureau", "head"), at(12, 3), step="decision")
    assert case.steps["decision"].status is StepStatus.APPROVED


def test_step_without_signers_is_signed_by_a_reviewer_or_head(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(case, "approve", officer("municipal", "head"), at(12, 2), step="municipal")
    assert case.steps["municipal"].status is StepStatus.APPROVED
    desk.refused(case, "approve", officer("traffic-police", "window"), at(12, 2), step="traffic")


def test_approval_records_the_result_for_later_steps(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case,
        "approve",
        officer("municipal"),
        at(12, 2),
        step="municipal",
        comment="同意",
        result={"permit": "M-7"},
    )
    run = case.steps["municipal"]
    assert run.result == {"permit": "M-7"}
    assert run.signatures[0].comment == "同意"


# -- automatic steps --------------------------------------------------------------------------


@pytest.fixture
def checked(make_desk: Any) -> Desk:
    return make_desk(with_background_check(road_works()))


def test_automatic_check_is_completed_only_by_the_system(checked: Desk) -> None:
    case = checked.accepted(now=at(12, 1))
    assert case.steps["background"].status is StepStatus.ACTIVE
    error = checked.refused(
        case, "approve", officer("public-security"), at(12, 1), step="background"
    )
    assert "connector" in error.reason and "onething serve" in error.reason
    case = checked.act(case, "approve", SYSTEM, at(12, 1), step="background", result={"ok": 1})
    assert case.steps["background"].status is StepStatus.APPROVED
    assert case.steps["background"].result == {"ok": 1}


def test_system_cannot_sign_an_officers_step(checked: Desk) -> None:
    case = checked.accepted(now=at(12, 1))
    checked.refused(case, "approve", SYSTEM, at(12, 1), step="municipal")


# -- refusals ---------------------------------------------------------------------------------


def test_approving_a_step_that_is_not_active_is_refused(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    error = desk.refused(case, "approve", officer("bureau"), at(12, 2), step="decision")
    assert "step 'decision'" in str(error) and "pending" in str(error)
    error = desk.refused(case, "approve", officer("greening"), at(12, 2), step="greening")
    assert "skipped" in str(error)
    case = desk.approve_all(case, "municipal", at(12, 2))
    error = desk.refused(case, "approve", officer("municipal"), at(12, 2), step="municipal")
    assert "approved" in str(error)


def test_approving_before_acceptance_is_refused(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1))
    error = desk.refused(case, "approve", officer("municipal"), at(12, 1), step="municipal")
    assert "step 'municipal'" in str(error)


def test_acting_for_another_department_is_refused(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    error = desk.refused(case, "approve", officer("traffic-police"), at(12, 2), step="municipal")
    assert "municipal/reviewer" in error.reason
    desk.refused(case, "reject", officer("traffic-police"), at(12, 2), step="municipal", reason="x")


def test_unknown_step_and_missing_step_are_refused(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    error = desk.refused(case, "approve", officer("municipal"), at(12, 2), step="nope")
    assert "no step 'nope'" in error.reason
    error = desk.refused(case, "approve", officer("municipal"), at(12, 2))
    assert "'step' is required" in error.reason


def test_unknown_action_is_refused(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    error = desk.refused(case, "bribe", officer("municipal"), at(12, 2))
    assert "unknown action" in error.reason
