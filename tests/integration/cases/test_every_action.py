"""Every action once through the service, and one refusal of each, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from engine.cases.errors import IllegalAction
from engine.cases.service import CaseService
from engine.views.cases import CaseView, ClockView, StepView
from tests.fixtures.cases import Clock, accepted, stored
from tests.fixtures.road_works import APPLICATION


def step(view: CaseView, step_id: str) -> StepView:
    return view.step(step_id)


def step_clock(view: CaseView, step_id: str) -> ClockView:
    found = view.step(step_id).clock
    assert found is not None, f"step {step_id} has no running clock"
    return found


def negative_id(service: CaseService, case_id: str) -> str:
    return str(service.show(case_id).negatives[-1].id)


def rejected(service: CaseService) -> str:
    case_id = accepted(service)
    service.act(case_id, "reject", actor="zhao", args={"step": "traffic", "reason": "方案不符"})
    return case_id


Scenario = Callable[[CaseService, Clock], tuple[str, CaseView]]


def s_accept(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = service.submit("road-works", APPLICATION).id
    return case_id, service.act(case_id, "accept", actor="wang")


def s_refuse_confirmed(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = service.submit("road-works", APPLICATION).id
    service.act(case_id, "refuse", actor="wang", args={"reason": "不属于本机关职权"})
    return case_id, service.act(
        case_id, "confirm-negative", actor="li", args={"negative": negative_id(service, case_id)}
    )


def s_approve(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = accepted(service)
    return case_id, service.act(case_id, "approve", actor="liu", args={"step": "municipal"})


def s_reject_confirmed(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = rejected(service)
    return case_id, service.act(
        case_id, "confirm-negative", actor="li", args={"negative": negative_id(service, case_id)}
    )


def s_reject_overturned(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = rejected(service)
    args = {"negative": negative_id(service, case_id), "reason": "复核后材料符合要求"}
    return case_id, service.act(case_id, "overturn-negative", actor="li", args=args)


def s_correction_and_supplement(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = accepted(service)
    service.act(
        case_id,
        "return-for-correction",
        actor="liu",
        args={"step": "municipal", "items": "site-plan"},
    )
    clock.now += dt.timedelta(hours=1)  # the test clock moves; deadlines come from the calendar
    return case_id, service.act(
        case_id, "supplement", actor="applicant", args={"materials": {"site-plan": "doc-new"}}
    )


def s_suspend_resume(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = accepted(service)
    service.act(case_id, "suspend", actor="zhao", args={"step": "traffic", "reason": "专家评审"})
    clock.now += dt.timedelta(hours=2)
    return case_id, service.act(case_id, "resume", actor="zhao", args={"step": "traffic"})


def s_extend_step(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = accepted(service)
    return case_id, service.act(
        case_id, "extend", actor="sun", args={"step": "traffic", "days": 5, "reason": "需现场踏勘"}
    )


def s_extend_case(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = accepted(service)
    return case_id, service.act(
        case_id, "extend", actor="li", args={"days": 10, "reason": "联合办理情况复杂"}
    )


def s_transfer(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = accepted(service)
    return case_id, service.act(
        case_id, "transfer", actor="liu", args={"step": "municipal", "to": "ma"}
    )


def s_withdraw(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = accepted(service)
    return case_id, service.act(case_id, "withdraw", actor="applicant")


def s_terminate(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    case_id = accepted(service)
    return case_id, service.act(case_id, "terminate", actor="li", args={"reason": "申请人死亡"})


def s_expire_deferrals(service: CaseService, clock: Clock) -> tuple[str, CaseView]:
    application = {**APPLICATION, "materials": dict(APPLICATION["materials"])}
    del application["materials"]["traffic-plan"]  # deferrable (容缺)
    case_id = service.submit("road-works", application).id
    service.act(case_id, "accept", actor="wang")
    deadline = service.show(case_id).materials["traffic-plan"].deadline
    assert deadline is not None
    clock.now = deadline + dt.timedelta(minutes=1)
    return case_id, service.act(case_id, "expire-deferrals", actor="system")


SCENARIOS: dict[str, tuple[Scenario, Callable[[CaseView], bool]]] = {
    "accept": (s_accept, lambda v: v.status == "in-progress"),
    "refuse+confirm": (s_refuse_confirmed, lambda v: v.status == "refused"),
    "approve": (s_approve, lambda v: step(v, "municipal").status == "approved"),
    "reject+confirm": (s_reject_confirmed, lambda v: v.status == "rejected"),
    "reject+overturn": (
        s_reject_overturned,
        lambda v: (
            step(v, "traffic").status == "active"
            and v.negatives[-1].decision_reason == "复核后材料符合要求"
        ),
    ),
    "correction+supplement": (
        s_correction_and_supplement,
        lambda v: v.correction is None and step(v, "municipal").status == "active",
    ),
    "suspend+resume": (
        s_suspend_resume,
        lambda v: step_clock(v, "traffic").suspended is False,
    ),
    "extend step": (s_extend_step, lambda v: step_clock(v, "traffic").extended_days == 5),
    "extend case": (
        s_extend_case,
        lambda v: v.statutory is not None and v.statutory.extended_days == 10,
    ),
    "transfer": (s_transfer, lambda v: step(v, "municipal").assignee == "ma"),
    "withdraw": (s_withdraw, lambda v: v.status == "withdrawn"),
    "terminate": (s_terminate, lambda v: v.status == "terminated"),
    "expire-deferrals": (s_expire_deferrals, lambda v: v.status == "terminated"),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_action_applies_and_persists(service: CaseService, clock: Clock, name: str) -> None:
    scenario, holds = SCENARIOS[name]
    case_id, view = scenario(service, clock)
    assert holds(view), view
    assert holds(service.show(case_id))  # as stored, read back
    assert service.verify(case_id) == []


def test_the_leaders_reason_for_an_overturn_is_in_the_register(
    service: CaseService, clock: Clock
) -> None:
    case_id, _ = s_reject_overturned(service, clock)
    [row] = [n for n in service.negatives(status="overturned") if n.case_id == case_id]
    assert row.decided_by == "li" and row.decision_reason == "复核后材料符合要求"


REFUSALS: dict[str, tuple[str, str, dict[str, Any], str]] = {
    # action: (actor, action, args, what the message says)
    "accept twice": ("wang", "accept", {}, "must be submitted"),
    "refuse in progress": ("wang", "refuse", {"reason": "x"}, "must be submitted"),
    "approve other department": ("zhao", "approve", {"step": "municipal"}, "may sign"),
    "reject without reason": ("liu", "reject", {"step": "municipal"}, "'reason' is required"),
    "confirm by reviewer": ("chen", "confirm-negative", {"negative": "x"}, "negative"),
    "overturn unknown": ("li", "overturn-negative", {"negative": "nope"}, "negative"),
    "correction by window": (
        "wang",
        "return-for-correction",
        {"step": "municipal", "items": "x"},
        "only",
    ),
    "supplement nothing": ("applicant", "supplement", {}, "'materials' is required"),
    "suspend pending step": (
        "chen",
        "suspend",
        {"step": "decision", "reason": "x"},
        "must be active",
    ),
    "resume active step": ("liu", "resume", {"step": "municipal"}, "must be suspended"),
    "extend by reviewer": (
        "liu",
        "extend",
        {"step": "municipal", "days": 3, "reason": "x"},
        "only",
    ),
    "extend over the cap": (
        "sun",
        "extend",
        {"step": "traffic", "days": 11, "reason": "x"},
        "Art. 42",
    ),
    "transfer by other department": ("zhao", "transfer", {"step": "municipal", "to": "ma"}, "only"),
    "transfer to another department": (
        "liu",
        "transfer",
        {"step": "municipal", "to": "zhao"},
        "zhao is in traffic-police, not municipal",
    ),
    "transfer to oneself": ("liu", "transfer", {"step": "municipal", "to": "liu"}, "another"),
    "withdraw by officer": ("liu", "withdraw", {}, "only"),
    "terminate by reviewer": ("chen", "terminate", {"reason": "x"}, "only"),
    "expire with nothing late": ("system", "expire-deferrals", {}, "no deferred material"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_every_action_refuses_and_changes_nothing(service: CaseService, name: str) -> None:
    actor, action, args, message = REFUSALS[name]
    case_id = accepted(service)
    before = stored(service, case_id)
    with pytest.raises(IllegalAction) as caught:
        service.act(case_id, action, actor=actor, args=args)
    text = str(caught.value)
    assert message in text and case_id in text and actor in text
    assert stored(service, case_id) == before
