"""退回 (return-to): a confirmed rejection sends the case back to an earlier step.

Every status change goes through the table in `engine.cases.state`, and the event log records
each step's true old state: replaying the `step.status` events over the case before the action
gives the case after it. A skipped or cancelled step stays as it is; a return to one is refused.
"""

from __future__ import annotations

import copy
from typing import Any

from engine.cases.case import Case, NegativeStatus
from engine.cases.machine import Event
from engine.cases.state import CaseStatus, StepStatus
from tests.fixtures.desk import LEADER, Desk, at, officer, replays
from tests.fixtures.road_works import TREE_MATERIALS, TREES, road_works, with_step


def decided(
    desk: Desk, case: Case, step_id: str, *, negative: str, reviewer: Any = None
) -> tuple[Case, Case, list[Event]]:
    """`step_id` rejected by its reviewer and the rejection confirmed by the leader:
    the case before the confirmation, after it, and the confirmation's events."""
    case = desk.act(
        case, "reject", reviewer or officer(desk.workflow.step(step_id).department), at(12, 3),
        step=step_id, reason="材料与现场不符",
    )  # fmt: skip
    before = copy.deepcopy(case)
    after, events = desk.act_events(case, "confirm-negative", LEADER, at(12, 4), negative=negative)
    return before, after, events


def decision_rejected(desk: Desk, case: Case) -> tuple[Case, Case, list[Event]]:
    """The joint decision (会签: reviewer and head) rejected by its reviewer, then confirmed."""
    case = desk.act(case, "approve", officer("bureau", "head"), at(12, 3), step="decision")
    negative = f"C-1-N{len(case.negatives) + 1}"
    return decided(desk, case, "decision", negative=negative)


def test_return_to_logs_the_true_old_states(make_desk: Any) -> None:
    desk = make_desk(with_step(road_works(), "decision", on_reject={"return-to": "municipal"}))
    case = desk.accepted(now=at(12, 1))
    for step_id in ("municipal", "traffic"):
        case = desk.approve_all(case, step_id, at(12, 2))
    before, after, events = decision_rejected(desk, case)
    moves = replays(before, events, after)
    assert ("decision", "rejection-pending", "pending") in moves
    assert ("municipal", "approved", "active") in moves
    assert not any(e.data.get("old") == "reopened" for e in events)


def test_return_to_leaves_a_skipped_step_after_the_target_skipped(make_desk: Any) -> None:
    data = with_step(road_works(), "greening", needs=["municipal"])
    desk = make_desk(with_step(data, "decision", on_reject={"return-to": "municipal"}))
    case = desk.accepted(now=at(12, 1))  # no trees: greening does not apply
    for step_id in ("municipal", "traffic"):
        case = desk.approve_all(case, step_id, at(12, 2))
    assert case.steps["greening"].status is StepStatus.SKIPPED
    before, after, events = decision_rejected(desk, case)
    replays(before, events, after)
    assert after.steps["greening"].status is StepStatus.SKIPPED
    assert after.steps["decision"].status is StepStatus.PENDING
    case = desk.approve_all(after, "municipal", at(12, 7))
    assert case.steps["decision"].status is StepStatus.ACTIVE  # a skipped need is done
    case = desk.approve_all(case, "decision", at(12, 7))
    case = desk.approve_all(case, "delivery", at(12, 7))
    assert case.status is CaseStatus.COMPLETED


def test_return_to_a_skipped_step_is_refused(make_desk: Any) -> None:
    desk = make_desk(with_step(road_works(), "decision", on_reject={"return-to": "greening"}))
    case = desk.accepted(now=at(12, 1))
    assert case.steps["greening"].status is StepStatus.SKIPPED
    for step_id in ("municipal", "traffic"):
        case = desk.approve_all(case, step_id, at(12, 2))
    case = desk.act(case, "approve", officer("bureau", "head"), at(12, 3), step="decision")
    case = desk.act(case, "reject", officer("bureau"), at(12, 3), step="decision", reason="x")
    error = desk.refused(case, "confirm-negative", LEADER, at(12, 4), negative="C-1-N1")
    assert error.step == "greening"
    assert "step 'greening'" in str(error) and "skipped" in str(error)


def green_check() -> dict[str, Any]:
    """Greening (ends its branch when rejected) followed by a greening check the decision needs."""
    data = road_works()
    data["steps"].insert(
        3,
        {
            "id": "green-check",
            "title": "绿地复核",
            "department": "greening",
            "kind": "review",
            "needs": ["greening"],
            "limit": "1 working-days",
        },
    )
    return with_step(
        data,
        "decision",
        needs=["municipal", "traffic", "green-check"],
        on_reject={"return-to": "green-check"},
    )


def test_return_to_a_cancelled_step_is_refused(make_desk: Any) -> None:
    desk = make_desk(green_check())
    case = desk.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    _, case, _ = decided(desk, case, "greening", negative="C-1-N1")
    assert case.steps["green-check"].status is StepStatus.CANCELLED
    for step_id in ("municipal", "traffic"):
        case = desk.approve_all(case, step_id, at(12, 4))
    assert case.steps["decision"].status is StepStatus.ACTIVE
    case = desk.act(case, "approve", officer("bureau", "head"), at(12, 4), step="decision")
    case = desk.act(case, "reject", officer("bureau"), at(12, 4), step="decision", reason="x")
    error = desk.refused(case, "confirm-negative", LEADER, at(12, 5), negative="C-1-N2")
    assert error.step == "green-check"
    assert "step 'green-check'" in str(error) and "cancelled" in str(error)


def test_return_to_a_rejected_target_reopens_it_from_rejected(make_desk: Any) -> None:
    desk = make_desk(with_step(road_works(), "decision", on_reject={"return-to": "greening"}))
    case = desk.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    _, case, _ = decided(desk, case, "greening", negative="C-1-N1")  # ends its branch
    assert case.steps["greening"].status is StepStatus.REJECTED
    for step_id in ("municipal", "traffic"):
        case = desk.approve_all(case, step_id, at(12, 4))
    before, after, events = decision_rejected(desk, case)
    assert ("greening", "rejected", "active") in replays(before, events, after)
    greening = after.steps["greening"]
    assert greening.status is StepStatus.ACTIVE and greening.attempt == 2
    assert greening.signatures == [] and greening.finished_at is None


def test_return_to_leaves_confirmed_rejections_and_cancellations_after_the_target(
    make_desk: Any,
) -> None:
    """A branch refused after the target was a decision told to the applicant (with the right
    to review); the steps it cancelled stay cancelled with it."""
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
    data = with_step(data, "greening", needs=["municipal"])
    data = with_step(data, "decision", needs=["municipal", "traffic"])
    desk = make_desk(with_step(data, "decision", on_reject={"return-to": "municipal"}))
    case = desk.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    case = desk.approve_all(case, "municipal", at(12, 2))
    _, case, _ = decided(desk, case, "greening", negative="C-1-N1")
    assert case.steps["green-delivery"].status is StepStatus.CANCELLED
    case = desk.approve_all(case, "traffic", at(12, 4))
    before, after, events = decision_rejected(desk, case)
    replays(before, events, after)
    assert after.steps["greening"].status is StepStatus.REJECTED
    assert after.steps["green-delivery"].status is StepStatus.CANCELLED
    assert after.steps["municipal"].status is StepStatus.ACTIVE
    for step_id in ("municipal", "decision", "delivery"):
        after = desk.approve_all(after, step_id, at(12, 7))
    assert after.status is CaseStatus.COMPLETED and after.outcome == "delivered"


def parallel_after_municipal(desk_data: dict[str, Any]) -> dict[str, Any]:
    """Traffic and greening both follow municipal; traffic returns to municipal when rejected."""
    data = with_step(desk_data, "greening", needs=["municipal"])
    return with_step(data, "traffic", needs=["municipal"], on_reject={"return-to": "municipal"})


def test_return_to_releases_the_art45_hold_of_a_reopened_step(make_desk: Any) -> None:
    desk = make_desk(parallel_after_municipal(road_works()))
    case = desk.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    case = desk.approve_all(case, "municipal", at(12, 2))
    case = desk.act(case, "suspend", officer("greening"), at(12, 2), step="greening", reason="鉴定")
    assert case.holds == ["art45:greening"] and case.promised and case.promised.suspended
    before, after, events = decided(desk, case, "traffic", negative="C-1-N1")
    assert ("greening", "suspended", "pending") in replays(before, events, after)
    assert after.steps["greening"].hold is None
    assert after.holds == [] and after.promised and not after.promised.suspended


def test_return_to_lapses_the_pending_negative_of_a_reopened_step(make_desk: Any) -> None:
    desk = make_desk(parallel_after_municipal(road_works()))
    case = desk.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    case = desk.approve_all(case, "municipal", at(12, 2))
    case = desk.act(case, "reject", officer("greening"), at(12, 2), step="greening", reason="x")
    before, after, events = decided(desk, case, "traffic", negative="C-1-N2")
    assert ("greening", "rejection-pending", "pending") in replays(before, events, after)
    assert [n.status for n in after.negatives] == [NegativeStatus.LAPSED, NegativeStatus.CONFIRMED]
    desk.refused(after, "confirm-negative", LEADER, at(12, 5), negative="C-1-N1")
