"""Clocks: 补正 stops every active branch (one notice), Art. 45 suspensions, Art. 42 extensions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.calendar import StatutoryClock
from engine.cases.case import Case, MaterialStatus
from engine.cases.state import CaseStatus, StepStatus
from tests.fixtures.desk import APPLICANT, LEADER, WINDOW, Desk, at, officer

MUNICIPAL = officer("municipal")
MUNICIPAL_HEAD = officer("municipal", "head")


def due(desk: Desk, clock: StatutoryClock | None, now: dt.datetime) -> dt.datetime:
    assert clock is not None
    return clock.read(desk.calendar, now).due


def clock_of(case: Case, step_id: str) -> StatutoryClock:
    clock = case.steps[step_id].clock
    assert clock is not None, step_id
    return clock


def returned(desk: Desk) -> Any:
    """The municipal review asks on 12-02; the window issues the one notice at once."""
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case,
        "return-for-correction",
        MUNICIPAL,
        at(12, 2),
        step="municipal",
        items=["site-plan", "补充施工说明"],
    )
    return desk.act(case, "issue-correction", WINDOW, at(12, 2))


def test_correction_stops_every_active_branch_with_one_notice(desk: Desk) -> None:
    case = returned(desk)
    assert case.status is CaseStatus.CORRECTION
    for step_id in ("municipal", "traffic"):
        run = case.steps[step_id]
        assert run.status is StepStatus.SUSPENDED and run.hold == "correction"
        assert run.clock is not None and run.clock.suspended
    assert case.correction is not None
    assert case.correction.steps == ["municipal", "traffic"]
    assert case.correction.asked_by == ["municipal"]
    assert case.materials["site-plan"].status is MaterialStatus.MISSING
    assert case.materials["site-plan"].reference == "doc-2"
    assert case.holds == ["correction"]
    assert case.promised is not None and case.promised.suspended
    assert case.statutory is not None and case.statutory.suspended
    [notice] = [n for n in case.notices if n.kind == "correction"]
    assert "施工平面图" in notice.text and "补充施工说明" in notice.text


def test_a_material_on_the_one_notice_is_awaited_until_supplied(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case, "return-for-correction", MUNICIPAL, at(12, 2), step="municipal", items="site-plan"
    )
    case = desk.act(
        case,
        "return-for-correction",
        officer("traffic-police"),
        at(12, 2, 11),
        step="traffic",
        items="traffic-plan",
        reason="方案未标注绕行路线",
    )
    assert case.materials["traffic-plan"].status is MaterialStatus.MISSING
    [notice] = [n for n in case.notices if n.kind == "correction"]
    assert "方案未标注绕行路线" in notice.text  # the applicant hears why
    case = desk.act(case, "supplement", APPLICANT, at(12, 3), materials={"site-plan": "doc-9"})
    assert case.status is CaseStatus.CORRECTION  # the traffic plan has not come yet
    assert case.steps["traffic"].status is StepStatus.SUSPENDED
    case = desk.act(case, "supplement", APPLICANT, at(12, 4), materials={"traffic-plan": "d10"})
    assert case.status is CaseStatus.IN_PROGRESS and case.correction is None


def test_supplement_resumes_the_branches_and_moves_the_deadlines(desk: Desk) -> None:
    case = returned(desk)
    assert due(desk, case.steps["municipal"].clock, at(12, 2)) == at(12, 4, 17, 30)
    case = desk.act(
        case,
        "supplement",
        APPLICANT,
        at(12, 4),
        materials={"site-plan": "doc-9", "note-1": "施工说明见doc-10"},
    )
    assert case.status is CaseStatus.IN_PROGRESS and case.correction is None
    assert case.holds == []
    for step_id in ("municipal", "traffic"):
        run = case.steps[step_id]
        assert run.status is StepStatus.ACTIVE and run.hold is None
        assert due(desk, run.clock, at(12, 4)) == at(12, 8, 17, 30)  # two days stood still
    assert case.promised is not None and not case.promised.suspended
    assert due(desk, case.promised, at(12, 4)) == at(12, 17, 17, 30)
    assert case.materials["site-plan"].status is MaterialStatus.SUPPLIED


def test_supplement_of_something_else_keeps_the_correction_open(desk: Desk) -> None:
    case = returned(desk)
    case = desk.act(case, "supplement", APPLICANT, at(12, 4), materials={"id-card": "doc-11"})
    assert case.status is CaseStatus.CORRECTION
    assert case.steps["municipal"].status is StepStatus.SUSPENDED


def test_return_for_correction_refusals(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "return-for-correction", MUNICIPAL, at(12, 2), step="municipal")
    desk.refused(case, "return-for-correction", MUNICIPAL, at(12, 2), step="municipal", items=" , ")
    desk.refused(
        case,
        "return-for-correction",
        officer("traffic-police"),
        at(12, 2),
        step="municipal",
        items=["site-plan"],
    )
    desk.refused(
        case,
        "return-for-correction",
        officer("bureau"),
        at(12, 2),
        step="decision",
        items=["site-plan"],
    )
    submitted, _ = desk.submit(now=at(12, 1))
    desk.refused(
        submitted,
        "return-for-correction",
        MUNICIPAL,
        at(12, 1),
        step="municipal",
        items=["site-plan"],
    )


def test_resume_of_a_correction_hold_is_refused(desk: Desk) -> None:
    case = returned(desk)
    error = desk.refused(case, "resume", MUNICIPAL, at(12, 3), step="municipal")
    assert "must be in-progress" in error.reason  # only the applicant's supplement resumes it


# -- Art. 45 -----------------------------------------------------------------------------------


def suspended(desk: Desk) -> Any:
    case = desk.accepted(now=at(12, 1))
    return desk.act(case, "suspend", MUNICIPAL, at(12, 2), step="municipal", reason="专家评审")


def test_art45_expert_review_stops_the_step_and_case_clocks(desk: Desk) -> None:
    case = suspended(desk)
    run = case.steps["municipal"]
    assert run.status is StepStatus.SUSPENDED and run.hold == "专家评审"
    assert run.clock is not None and run.clock.read(desk.calendar, at(12, 3)).suspended
    assert case.steps["traffic"].status is StepStatus.ACTIVE
    assert case.holds == ["art45:municipal"]
    assert case.promised is not None and case.promised.suspended
    notice = case.notices[-1]
    assert notice.kind == "suspension" and notice.step_id == "municipal"
    assert "第四十五条" in notice.text and "专家评审" in notice.text


def test_art45_resume_moves_the_deadlines_by_the_time_stopped(desk: Desk) -> None:
    case = suspended(desk)
    case = desk.act(case, "resume", MUNICIPAL, at(12, 7), step="municipal")
    run = case.steps["municipal"]
    assert run.status is StepStatus.ACTIVE and run.hold is None
    assert due(desk, run.clock, at(12, 7)) == at(12, 9, 17, 30)  # 3 working days stood still
    assert due(desk, case.steps["traffic"].clock, at(12, 7)) == at(12, 4, 17, 30)
    assert case.holds == []
    assert due(desk, case.promised, at(12, 7)) == at(12, 18, 17, 30)


def test_art45_case_clock_waits_for_every_suspended_step(desk: Desk) -> None:
    case = suspended(desk)
    traffic = officer("traffic-police")
    case = desk.act(case, "suspend", traffic, at(12, 3), step="traffic", reason="检测")
    assert case.holds == ["art45:municipal", "art45:traffic"]
    case = desk.act(case, "resume", MUNICIPAL, at(12, 4), step="municipal")
    assert case.promised is not None and case.promised.suspended
    case = desk.act(case, "resume", traffic, at(12, 7), step="traffic")
    assert case.promised is not None and not case.promised.suspended
    assert due(desk, case.promised, at(12, 7)) == at(12, 18, 17, 30)


def test_correction_during_a_suspension_keeps_the_art45_hold(desk: Desk) -> None:
    case = suspended(desk)
    case = desk.act(
        case, "return-for-correction", MUNICIPAL, at(12, 3), step="municipal", items=["site-plan"]
    )
    case = desk.act(case, "issue-correction", WINDOW, at(12, 3))
    assert case.correction is not None and case.correction.steps == ["traffic"]
    case = desk.act(case, "supplement", APPLICANT, at(12, 4), materials={"site-plan": "d"})
    assert case.steps["traffic"].status is StepStatus.ACTIVE
    assert case.steps["municipal"].status is StepStatus.SUSPENDED
    assert case.holds == ["art45:municipal"]
    assert case.promised is not None and case.promised.suspended


def test_suspend_and_resume_refusals(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "suspend", MUNICIPAL, at(12, 2), step="municipal")
    desk.refused(
        case, "suspend", officer("traffic-police"), at(12, 2), step="municipal", reason="x"
    )
    desk.refused(case, "suspend", officer("bureau"), at(12, 2), step="decision", reason="x")
    desk.refused(case, "resume", MUNICIPAL, at(12, 2), step="municipal")
    case = suspended(desk)
    desk.refused(case, "suspend", MUNICIPAL, at(12, 2), step="municipal", reason="听证")
    desk.refused(case, "resume", officer("traffic-police"), at(12, 3), step="municipal")
    desk.refused(case, "approve", MUNICIPAL, at(12, 3), step="municipal")


# -- Art. 42 -----------------------------------------------------------------------------------


def test_art42_head_extends_a_step_within_ten_working_days(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case, "extend", MUNICIPAL_HEAD, at(12, 2), step="municipal", days=5, reason="需现场踏勘"
    )
    assert due(desk, case.steps["municipal"].clock, at(12, 2)) == at(12, 11, 17, 30)
    notice = case.notices[-1]
    assert notice.kind == "extension" and notice.step_id == "municipal"
    assert "第四十二条" in notice.text and "需现场踏勘" in notice.text and "5" in notice.text
    error = desk.refused(
        case, "extend", MUNICIPAL_HEAD, at(12, 2), step="municipal", days=6, reason="再延"
    )
    assert "10 working days" in error.reason and "5 already" in error.reason
    case = desk.act(
        case, "extend", MUNICIPAL_HEAD, at(12, 3), step="municipal", days=5, reason="再延"
    )
    assert clock_of(case, "municipal").extended_days == 10
    assert due(desk, case.steps["municipal"].clock, at(12, 3)) == at(12, 18, 17, 30)


def test_art42_extension_of_a_suspended_step(desk: Desk) -> None:
    case = suspended(desk)
    case = desk.act(
        case, "extend", MUNICIPAL_HEAD, at(12, 3), step="municipal", days=2, reason="专家意见分歧"
    )
    assert clock_of(case, "municipal").extended_days == 2


def test_art42_leader_extends_the_joint_handling_within_fifteen(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    assert case.promised is not None and case.statutory is not None
    before = due(desk, case.statutory, at(12, 1))
    case = desk.act(case, "extend", LEADER, at(12, 2), days=15, reason="联合审查复杂")
    cal = desk.calendar
    assert due(desk, case.statutory, at(12, 2)) == cal.close_of_business(
        cal.add_working_days(before.date(), 15)
    )
    assert case.promised is not None and case.promised.extended_days == 15
    assert case.notices[-1].kind == "extension" and case.notices[-1].step_id is None
    error = desk.refused(case, "extend", LEADER, at(12, 3), days=1, reason="再延")
    assert "15" in error.reason


@pytest.mark.parametrize(
    ("actor", "args"),
    [
        (MUNICIPAL, {"step": "municipal"}),
        (officer("traffic-police", "head"), {"step": "municipal"}),
        (LEADER, {"step": "municipal"}),
        (MUNICIPAL_HEAD, {}),
        (officer("bureau", "reviewer"), {}),
        (officer("bureau", "head"), {}),
        (officer("municipal", "leader"), {}),
    ],
    ids=[
        "reviewer-on-a-step",
        "head-of-another-department",
        "leader-on-a-step",
        "head-on-the-case",
        "reviewer-on-the-case",
        "owner-head-on-the-case",
        "leader-of-another-department",
    ],
)
def test_art42_extension_by_the_wrong_officer_is_refused(
    desk: Desk, actor: Any, args: dict[str, Any]
) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "extend", actor, at(12, 2), days=2, reason="复杂", **args)


@pytest.mark.parametrize("days", [0, -1, "3", True, 2.5, None])
def test_art42_extension_is_a_positive_whole_number_of_days(desk: Desk, days: Any) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "extend", LEADER, at(12, 2), days=days, reason="复杂")


def test_art42_extension_needs_a_reason_and_an_open_case(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    desk.refused(case, "extend", LEADER, at(12, 2), days=2)
    desk.refused(case, "extend", LEADER, at(12, 2), days=2, reason="  ")
    desk.refused(case, "extend", MUNICIPAL_HEAD, at(12, 2), step="decision", days=2, reason="x")
    submitted, _ = desk.submit(now=at(12, 1))
    desk.refused(submitted, "extend", LEADER, at(12, 1), days=2, reason="复杂")


def test_extension_during_correction_is_allowed(desk: Desk) -> None:
    case = returned(desk)
    case = desk.act(case, "extend", LEADER, at(12, 3), days=3, reason="复杂")
    assert case.statutory is not None and case.statutory.extended_days == 3
    assert case.status is CaseStatus.CORRECTION


def test_window_accepts_and_nobody_else_touches_clocks_at_intake(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1))
    desk.refused(case, "suspend", MUNICIPAL, at(12, 1), step="municipal", reason="x")
    assert desk.act(case, "accept", WINDOW, at(12, 1)).promised is not None
