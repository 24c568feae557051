"""The three workflows say what the law says: each rule named after its source.

Utility works: 道路交通安全法 art. 32 and 城市道路管理条例 art. 30 (traffic police and road
authority), 城市绿化条例 art. 20–21 (greening); ride-hailing: 网络预约出租汽车经营服务管理暂行办法
art. 12 (≤ 7 seats) and art. 14 (3+ years of driving), refused at acceptance through the
negative register (否定事项报备, docs/domain.md §negative-matters).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import CalendarSet, load_calendars
from engine.cases.case import Actor, Case, NegativeKind, NegativeStatus
from engine.cases.machine import Context, act, submit
from engine.cases.state import CaseStatus
from engine.definitions import RejectAction, Workflow

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ)  # a Tuesday
WINDOW = Actor("wang", "window", "approval-bureau")
LEADER = Actor("li", "leader", "approval-bureau")
PLANS = ("construction-plan", "traffic-plan", "greening-plan", "planning-documents")


def utility_steps(workflow: Workflow, **fields: Any) -> set[str]:
    return {s.id for s in workflow.applicable_steps(fields)}


def test_art32_road_traffic_safety_law_a_short_job_on_the_carriageway_needs_the_traffic_police(
    workflows: dict[str, Workflow],
) -> None:
    workflow = workflows["utility-external-works"]
    short = utility_steps(workflow, length_m=150, occupies_carriageway=True)
    assert short == {"filing", "traffic-consent"}
    # the filing (the road authority's simplified procedure, ≤ 200 m) waits for the consent:
    # one result for the applicant
    assert "traffic-consent" in workflow.step("filing").needs
    assert utility_steps(workflow, length_m=150, occupies_carriageway=False) == {"filing"}
    long = utility_steps(workflow, length_m=350, occupies_carriageway=True)
    assert {"road-occupation", "road-digging", "traffic-consent"} <= long


def test_greening_regulation_art20_21_trees_need_the_greening_authority_whatever_the_length(
    workflows: dict[str, Workflow],
) -> None:
    workflow = workflows["utility-external-works"]
    for length in (50, 200, 201, 5000):
        steps = utility_steps(
            workflow, length_m=length, occupies_carriageway=False, affects_trees=True
        )
        assert "greening-approval" in steps
    assert "greening-approval" in workflow.step("filing").needs


@pytest.mark.parametrize(
    ("length", "carriageway", "trees"),
    list(itertools.product((120, 200, 201, 800), (True, False), (True, False))),
)
def test_every_plan_the_utility_works_ask_for_is_reviewed_by_a_step_that_runs(
    workflows: dict[str, Workflow], length: int, carriageway: bool, trees: bool
) -> None:
    workflow = workflows["utility-external-works"]
    fields = {"length_m": length, "occupies_carriageway": carriageway, "affects_trees": trees}
    filled = workflow.field_values(fields)
    asked = {m.id for m in workflow.materials if m.asked(filled) and m.id in PLANS}
    reviewed = {used for step in workflow.applicable_steps(fields) for used in step.uses}
    assert asked and asked <= reviewed


def test_road_regulation_art30_the_road_authority_s_two_reviews_reject_alike(
    workflows: dict[str, Workflow],
) -> None:
    workflow = workflows["utility-external-works"]
    municipal = [s for s in workflow.steps if s.department == "municipal"]
    assert [s.id for s in municipal] == ["road-occupation", "road-digging"]
    assert {s.on_reject.action for s in municipal} == {RejectAction.END_CASE}


# --- ride-hailing: refused at acceptance through the negative register ----------------------


@pytest.fixture(scope="module")
def calendars(definitions_dir: Path) -> CalendarSet:
    return load_calendars(definitions_dir / "calendars")


def ride_hailing_case(
    workflows: dict[str, Workflow], calendars: CalendarSet, definitions_dir: Path, **fields: Any
) -> tuple[Workflow, Case, Context]:
    sample = definitions_dir / "samples" / "ride-hailing-dual-licence.json"
    application = json.loads(sample.read_text(encoding="utf-8"))
    application["fields"].update(fields)
    workflow = workflows["ride-hailing-dual-licence"]
    calendar = calendars.get(workflow.calendar)
    case, _ = submit(
        case_id="C-1", workflow=workflow, calendar=calendar, application=application, now=NOW
    )
    return workflow, case, Context(workflow, calendar, WINDOW, NOW)


def by(ctx: Context, actor: Actor, **args: Any) -> Context:
    return Context(ctx.workflow, ctx.calendar, actor, ctx.now, args)


@pytest.mark.parametrize(
    ("fields", "article"),
    [
        ({"vehicle_seats": 9}, "第十二条"),
        ({"driving_years": 2}, "第十四条"),
    ],
    ids=["art12-more-than-7-seats", "art14-under-3-years-of-driving"],
)
def test_ride_hailing_art12_art14_a_failing_condition_is_refused_through_the_negative_register(
    workflows: dict[str, Workflow],
    calendars: CalendarSet,
    definitions_dir: Path,
    fields: dict[str, Any],
    article: str,
) -> None:
    workflow, case, ctx = ride_hailing_case(workflows, calendars, definitions_dir, **fields)
    case, events = act(case, "accept", ctx)
    assert case.status is CaseStatus.REFUSAL_PENDING and case.accepted_at is None
    [negative] = case.negatives
    assert negative.kind is NegativeKind.REFUSE_ACCEPTANCE
    assert negative.status is NegativeStatus.PENDING and negative.officer == "wang"
    assert article in negative.legal_basis
    assert not any(n.kind == "acceptance" for n in case.notices)
    assert "negative.registered" in [e.kind for e in events]
    case, _ = act(case, "confirm-negative", by(ctx, LEADER, negative=negative.id))
    assert case.status is CaseStatus.REFUSED
    refusal = next(n for n in case.notices if n.kind == "refusal")
    assert refusal.text.startswith("不予受理决定") and article in refusal.text


def test_ride_hailing_both_conditions_failing_are_one_refusal_naming_both(
    workflows: dict[str, Workflow], calendars: CalendarSet, definitions_dir: Path
) -> None:
    _, case, ctx = ride_hailing_case(
        workflows, calendars, definitions_dir, vehicle_seats=12, driving_years=1
    )
    case, _ = act(case, "accept", ctx)
    [negative] = case.negatives
    assert "7座" in negative.reason and "3年" in negative.reason
    assert "第十二条" in negative.legal_basis and "第十四条" in negative.legal_basis


def test_ride_hailing_a_refusal_the_leader_overturns_lets_the_window_accept(
    workflows: dict[str, Workflow], calendars: CalendarSet, definitions_dir: Path
) -> None:
    _, case, ctx = ride_hailing_case(workflows, calendars, definitions_dir, vehicle_seats=8)
    case, _ = act(case, "accept", ctx)
    case, _ = act(
        case, "overturn-negative", by(ctx, LEADER, negative=case.negatives[0].id, reason="复核")
    )
    assert case.status is CaseStatus.SUBMITTED
    case, _ = act(case, "accept", ctx)
    assert case.status is CaseStatus.IN_PROGRESS and len(case.negatives) == 1


def test_ride_hailing_7_seats_and_3_years_are_accepted(
    workflows: dict[str, Workflow], calendars: CalendarSet, definitions_dir: Path
) -> None:
    _, case, ctx = ride_hailing_case(
        workflows, calendars, definitions_dir, vehicle_seats=7, driving_years=3
    )
    case, _ = act(case, "accept", ctx)
    assert case.status is CaseStatus.IN_PROGRESS and case.negatives == []
