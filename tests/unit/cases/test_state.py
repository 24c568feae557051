"""The tables of legal moves (`engine.cases.state`): every allowed move is reached by an action
and logged with its true old state; every other move is refused and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from engine.cases.case import Case
from engine.cases.errors import IllegalAction
from engine.cases.run import Event, Run
from engine.cases.state import CASE_MOVES, STEP_MOVES, CaseStatus, StepStatus
from engine.definitions.model import Workflow
from tests.fixtures.desk import APPLICANT, LEADER, WINDOW, Desk, at, officer, replays
from tests.fixtures.road_works import ALL_MATERIALS, TREE_MATERIALS, TREES, road_works, with_step

Move = tuple[str, str]


class Recorder(Desk):
    """A desk that keeps every step and case move its actions logged (checked by replay)."""

    def __init__(self, desk: Desk, steps: set[Move], cases: set[Move]):
        super().__init__(desk.workflow, desk.calendar)
        self.steps, self.cases = steps, cases

    def record(self, before: Case | None, events: list[Event], after: Case) -> None:
        if before is not None:
            self.steps.update((old, new) for _, old, new in replays(before, events, after))
        status = before.status.value if before else CaseStatus.SUBMITTED.value
        for event in events:
            if event.kind == "case.status":
                assert event.data["old"] == status
                self.cases.add((status, event.data["new"]))
                status = event.data["new"]
        assert status == after.status.value

    def submit(self, **kwargs: Any) -> tuple[Case, list[Event]]:
        case, events = super().submit(**kwargs)
        self.record(None, events, case)
        return case, events

    def act_events(
        self, case: Case, action: str, actor: Any, now: Any, **args: Any
    ) -> tuple[Case, list[Event]]:
        new, events = super().act_events(case, action, actor, now, **args)
        self.record(case, events, new)
        return new, events


MISSING_SITE_PLAN = {k: v for k, v in ALL_MATERIALS.items() if k != "site-plan"}
REASON = {"reason": "不符合法定条件"}


def plain(d: Desk) -> None:
    case = d.accepted(now=at(12, 1))
    for step_id in ("municipal", "traffic", "decision", "delivery"):
        case = d.approve_all(case, step_id, at(12, 2))
    assert case.status is CaseStatus.COMPLETED


def intake(d: Desk) -> None:
    case, _ = d.submit(now=at(12, 1), materials=MISSING_SITE_PLAN)
    case = d.act(case, "supplement", APPLICANT, at(12, 1), materials={"site-plan": "d"})
    case = d.act(case, "refuse", WINDOW, at(12, 1), **REASON)
    case = d.act(
        case, "overturn-negative", LEADER, at(12, 1), negative="C-1-N1", reason="复核后予以受理"
    )
    case = d.act(case, "refuse", WINDOW, at(12, 1), **REASON)
    d.act(case, "confirm-negative", LEADER, at(12, 1), negative="C-1-N2")


def closed_at_intake(d: Desk) -> None:
    for materials in (ALL_MATERIALS, MISSING_SITE_PLAN):
        case, _ = d.submit(now=at(12, 1), materials=materials)
        d.act(case, "withdraw", APPLICANT, at(12, 1))
        d.act(case, "terminate", LEADER, at(12, 1), **REASON)
        refused = d.act(case, "refuse", WINDOW, at(12, 1), **REASON)
        d.act(refused, "withdraw", APPLICANT, at(12, 1))
        d.act(refused, "terminate", LEADER, at(12, 1), **REASON)


def correction_and_rejection(d: Desk) -> None:
    case = d.accepted(now=at(12, 1))
    returned = d.act(
        case, "return-for-correction", officer("municipal"), at(12, 2), step="municipal",
        items=["site-plan"],
    )  # fmt: skip
    returned = d.act(returned, "issue-correction", WINDOW, at(12, 2))
    d.act(returned, "supplement", APPLICANT, at(12, 3), materials={"site-plan": "d"})
    case = d.act(case, "reject", officer("municipal"), at(12, 2), step="municipal", **REASON)
    case = d.act(
        case, "overturn-negative", LEADER, at(12, 2), negative="C-1-N1", reason="复核后予以受理"
    )
    case = d.act(case, "reject", officer("municipal"), at(12, 2), step="municipal", **REASON)
    d.act(case, "confirm-negative", LEADER, at(12, 3), negative="C-1-N2")
    d.act(case, "withdraw", APPLICANT, at(12, 3))
    d.act(case, "terminate", LEADER, at(12, 3), **REASON)
    returned = d.act(
        case, "return-for-correction", officer("traffic-police"), at(12, 2), step="traffic",
        items=["traffic-plan"],
    )  # fmt: skip
    d.act(returned, "confirm-negative", LEADER, at(12, 3), negative="C-1-N2")


def parallel_return(d: Desk) -> None:
    """Traffic and greening follow municipal; traffic returns to municipal when rejected."""
    case = d.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    case = d.approve_all(case, "municipal", at(12, 2))
    rejected = d.act(case, "reject", officer("traffic-police"), at(12, 2), step="traffic", **REASON)
    green = officer("greening")
    d.act(rejected, "confirm-negative", LEADER, at(12, 3), negative="C-1-N1")
    for state in (
        d.act(rejected, "suspend", green, at(12, 2), step="greening", reason="鉴定"),
        d.act(rejected, "approve", green, at(12, 2), step="greening"),
    ):
        state = d.act(state, "confirm-negative", LEADER, at(12, 3), negative="C-1-N1")
        assert state.steps["municipal"].status is StepStatus.ACTIVE


def rejected_target(d: Desk) -> None:
    case = d.accepted(now=at(12, 1), fields=TREES, materials=TREE_MATERIALS)
    case = d.act(case, "reject", officer("greening"), at(12, 2), step="greening", **REASON)
    case = d.act(case, "confirm-negative", LEADER, at(12, 2), negative="C-1-N1")
    case = d.approve_all(case, "municipal", at(12, 2))
    case = d.approve_all(case, "traffic", at(12, 2))
    case = d.act(case, "approve", officer("bureau", "head"), at(12, 3), step="decision")
    case = d.act(case, "reject", officer("bureau"), at(12, 3), step="decision", **REASON)
    case = d.act(case, "confirm-negative", LEADER, at(12, 4), negative="C-1-N2")
    assert case.steps["greening"].status is StepStatus.ACTIVE


SCENARIOS: list[tuple[Callable[[Desk], None], dict[str, Any]]] = [
    (plain, road_works()),
    (intake, road_works()),
    (closed_at_intake, road_works()),
    (correction_and_rejection, road_works()),
    (
        parallel_return,
        with_step(
            with_step(road_works(), "greening", needs=["municipal"]),
            "traffic",
            needs=["municipal"],
            on_reject={"return-to": "municipal"},
        ),
    ),
    (rejected_target, with_step(road_works(), "decision", on_reject={"return-to": "greening"})),
]


@pytest.fixture(scope="module")
def reached(cn: Any) -> tuple[set[Move], set[Move]]:
    """The step and case moves the scenarios' actions made."""
    steps: set[Move] = set()
    cases: set[Move] = set()
    for scenario, data in SCENARIOS:
        scenario(Recorder(Desk(Workflow.model_validate(data), cn), steps, cases))
    return steps, cases


def table(moves: dict[Any, frozenset[Any]]) -> list[Move]:
    return [(old.value, new.value) for old, news in moves.items() for new in sorted(news)]


def forbidden(moves: dict[Any, frozenset[Any]]) -> list[Move]:
    return [(a.value, b.value) for a in moves for b in moves if b not in moves[a]]


@pytest.mark.parametrize("move", table(STEP_MOVES), ids="->".join)
def test_each_step_move_is_reached_by_an_action(reached: Any, move: Move) -> None:
    assert move in reached[0]


@pytest.mark.parametrize("move", table(CASE_MOVES), ids="->".join)
def test_each_case_move_is_reached_by_an_action(reached: Any, move: Move) -> None:
    assert move in reached[1]


def test_actions_make_no_move_outside_the_tables(reached: Any) -> None:
    steps, cases = reached
    assert steps <= set(table(STEP_MOVES)) and cases <= set(table(CASE_MOVES))


def test_outcomes_are_final_but_a_return_to_target() -> None:
    for status in (StepStatus.SKIPPED, StepStatus.CANCELLED):
        assert STEP_MOVES[status] == frozenset()
    assert STEP_MOVES[StepStatus.REJECTED] == {StepStatus.ACTIVE}
    for case_status in CaseStatus:
        assert (CASE_MOVES[case_status] == frozenset()) is case_status.closed


def working_run(desk: Desk) -> Run:
    case = desk.accepted(now=at(12, 1))
    return Run(copy.deepcopy(case), "move", desk.ctx(LEADER, at(12, 2), {}))


@pytest.mark.parametrize("move", forbidden(STEP_MOVES), ids="->".join)
def test_a_step_move_outside_the_table_is_refused(desk: Desk, move: Move) -> None:
    run = working_run(desk)
    step = run.case.steps["municipal"]
    step.status = StepStatus(move[0])
    before = copy.deepcopy(run.case)
    with pytest.raises(IllegalAction) as caught:
        run.move_step(step, StepStatus(move[1]))
    assert run.case == before and run.events == []
    message = str(caught.value)
    assert "C-1" in message and "step 'municipal'" in message and str(LEADER) in message
    assert f"step {move[0]}" in message and f"from {move[0]} to {move[1]}" in message


@pytest.mark.parametrize("move", forbidden(CASE_MOVES), ids="->".join)
def test_a_case_move_outside_the_table_is_refused(desk: Desk, move: Move) -> None:
    run = working_run(desk)
    run.case.status = CaseStatus(move[0])
    before = copy.deepcopy(run.case)
    with pytest.raises(IllegalAction) as caught:
        run.move_case(CaseStatus(move[1]))
    assert run.case == before and run.events == []
    message = str(caught.value)
    assert "C-1" in message and move[0] in message and str(LEADER) in message
    assert f"from {move[0]} to {move[1]}" in message
