"""One notice (一次告知, Art. 32), really one: the branches' requests gather on one draft, the
applicant gets one notice listing everything, later additions are refused or recorded as a
breach, and every item (material or free text) is answered before the clocks run again."""

from __future__ import annotations

from typing import Any

from engine.calendar import StatutoryClock
from engine.cases.case import Actor, Case, CorrectionState, MaterialStatus
from engine.cases.corrections import issue_due
from engine.cases.machine import Event
from engine.cases.state import CaseStatus, StepStatus
from engine.escalation.lapses import ISSUE_CORRECTION, due
from tests.fixtures.desk import APPLICANT, LEADER, WINDOW, Desk, at, officer

MUNICIPAL = officer("municipal")
TRAFFIC = officer("traffic-police")
ENGINE = Actor("system", "system")


def asks(
    desk: Desk, case: Case, who: Any, step: str, items: Any, hour: int = 10, **args: Any
) -> tuple[Case, list[Event]]:
    return desk.act_events(
        case, "return-for-correction", who, at(12, 2, hour), step=step, items=items, **args
    )


def drafted(desk: Desk) -> Case:
    """Accepted 12-01; on 12-02 at 10:00 the municipal review asks for the site plan and an
    explanation (free text) while the traffic review is still at work."""
    case = desk.accepted(now=at(12, 1))
    return asks(desk, case, MUNICIPAL, "municipal", ["site-plan", "补充施工说明"])[0]


def running(clock: StatutoryClock | None) -> bool:
    return clock is not None and not clock.suspended


def kinds(case: Case, kind: str) -> list[str]:
    return [n.text for n in case.notices if n.kind == kind]


def test_art32_first_request_opens_a_draft_and_tells_the_applicant_nothing(desk: Desk) -> None:
    case = drafted(desk)
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.correction is not None and case.correction.state is CorrectionState.DRAFT
    assert [(i.key, i.asked_by, i.actor) for i in case.correction.items] == [
        ("site-plan", "municipal", MUNICIPAL.name),
        ("note-1", "municipal", MUNICIPAL.name),
    ]
    assert kinds(case, "correction") == []
    # the applicant has not been told: the agency's clocks run on
    assert case.steps["municipal"].status is StepStatus.ACTIVE
    assert running(case.steps["municipal"].clock) and running(case.promised)
    assert case.materials["site-plan"].status is MaterialStatus.MISSING


def test_art32_one_notice_across_branches(desk: Desk) -> None:
    case, events = asks(desk, drafted(desk), TRAFFIC, "traffic", "id-card", hour=10)
    assert case.status is CaseStatus.CORRECTION
    assert case.correction is not None and case.correction.state is CorrectionState.ISSUED
    assert case.correction.issued_at == at(12, 2, 10) and case.correction.issued_by == "system"
    [notice] = kinds(case, "correction")  # one notice, everything in it
    for text in ("施工平面图", "补充施工说明", "编号note-1", "身份证明", "第三十二条"):
        assert text in notice
    assert kinds(case, "correction-amended") == []
    issued = [e.data for e in events if e.kind == "correction.issued"]
    assert issued == [
        {"trigger": "every-branch-answered", "items": ["site-plan", "note-1", "id-card"]}
    ]
    assert case.correction.steps == ["municipal", "traffic"]
    for step_id in ("municipal", "traffic"):
        assert case.steps[step_id].status is StepStatus.SUSPENDED
    assert case.holds == ["correction"] and case.promised is not None and case.promised.suspended


def test_art32_draft_issued_when_the_last_active_branch_approves(desk: Desk) -> None:
    case = desk.act(drafted(desk), "approve", TRAFFIC, at(12, 2, 11), step="traffic")
    assert case.status is CaseStatus.CORRECTION
    assert case.correction is not None and case.correction.issued_at == at(12, 2, 11)
    assert case.correction.steps == ["municipal"]  # the approved branch has nothing to stop
    assert len(kinds(case, "correction")) == 1


def test_art32_window_issues_the_draft_before_every_branch_answered(desk: Desk) -> None:
    case, events = desk.act_events(drafted(desk), "issue-correction", WINDOW, at(12, 2, 14))
    assert case.correction is not None and case.correction.issued_by == WINDOW.name
    assert ("correction.issued", "window") in [(e.kind, e.data.get("trigger")) for e in events]
    assert case.steps["traffic"].status is StepStatus.SUSPENDED  # its clock waits too
    assert len(kinds(case, "correction")) == 1


def test_art32_issue_correction_refusals(desk: Desk) -> None:
    accepted = desk.accepted(now=at(12, 1))
    error = desk.refused(accepted, "issue-correction", WINDOW, at(12, 2))
    assert "no draft correction" in error.reason
    draft = drafted(desk)
    desk.refused(draft, "issue-correction", MUNICIPAL, at(12, 2, 11))
    desk.refused(draft, "issue-correction", officer("municipal", "window"), at(12, 2, 11))
    desk.refused(draft, "issue-correction", WINDOW, at(12, 2, 11), step="municipal")
    error = desk.refused(draft, "issue-correction", ENGINE, at(12, 2, 11))
    assert "has not passed" in error.reason  # the system acts only at the Art. 32 limit
    issued = desk.act(draft, "issue-correction", WINDOW, at(12, 2, 11))
    desk.refused(issued, "issue-correction", WINDOW, at(12, 2, 12))


def test_art32_correction_issued_at_limit_by_sweep(desk: Desk) -> None:
    draft = drafted(desk)
    # five working days after 12-02 10:00 (Art. 32, counted as Art. 82 says): 12-09 17:30
    limit = issue_due(draft.correction, desk.calendar)
    assert limit == at(12, 9, 17, 30)
    assert due(draft, desk.calendar, at(12, 9, 17, 29)) == []
    assert due(draft, desk.calendar, at(12, 9, 17, 31)) == [ISSUE_CORRECTION]
    case, events = desk.act_events(draft, ISSUE_CORRECTION, ENGINE, at(12, 9, 17, 31))
    assert case.status is CaseStatus.CORRECTION and case.correction is not None
    assert case.correction.issued_by == "system"
    assert [e.data["trigger"] for e in events if e.kind == "correction.issued"] == ["art32-limit"]
    assert issue_due(case.correction, desk.calendar) is None  # issued: no limit left to watch


def rejected_then_issued(desk: Desk) -> Case:
    """The traffic review registers a rejection (awaiting the leader: not an active branch), so
    the municipal request is issued at once."""
    case = desk.accepted(now=at(12, 1))
    case = desk.act(case, "reject", TRAFFIC, at(12, 2, 9), step="traffic", reason="方案不符")
    case, _ = asks(desk, case, MUNICIPAL, "municipal", ["site-plan"])
    assert case.correction is not None and case.correction.state is CorrectionState.ISSUED
    return case


def test_art32_amendment_after_issue_by_a_stopped_step_is_refused(desk: Desk) -> None:
    case = rejected_then_issued(desk)
    error = desk.refused(
        case, "return-for-correction", MUNICIPAL, at(12, 3), step="municipal", items="id-card"
    )
    assert "was issued at 2026-12-02 10:00 +08:00" in error.reason
    assert "一次告知" in error.reason


def test_art32_amendment_after_issue_by_a_step_active_later_is_a_recorded_breach(
    desk: Desk,
) -> None:
    case = rejected_then_issued(desk)
    negative = case.negatives[-1].id
    case = desk.act(
        case, "overturn-negative", LEADER, at(12, 3), negative=negative, reason="方案可行"
    )
    assert case.steps["traffic"].status is StepStatus.ACTIVE  # active again after the notice
    case, events = desk.act_events(
        case, "return-for-correction", TRAFFIC, at(12, 3, 11), step="traffic", items="id-card"
    )
    [breach] = [e.data for e in events if e.kind == "correction.breach"]
    assert breach["step"] == "traffic" and breach["items"] == ["id-card"]
    assert (
        breach["department"] == "traffic-police"
        and breach["issued_at"] == at(12, 2, 10).isoformat()
    )
    assert case.correction is not None
    [late] = [i for i in case.correction.items if i.after_issue]
    assert (late.key, late.asked_by) == ("id-card", "traffic")
    [amended] = kinds(case, "correction-amended")
    assert "身份证明" in amended and "电子监察" in amended
    assert case.steps["traffic"].status is StepStatus.SUSPENDED
    assert case.correction.steps == ["municipal", "traffic"]


def issued_with_free_text(desk: Desk) -> Case:
    return desk.act(drafted(desk), "approve", TRAFFIC, at(12, 2, 11), step="traffic")


def test_art32_free_text_item_must_be_answered_before_the_clocks_restart(desk: Desk) -> None:
    case = desk.act(
        issued_with_free_text(desk),
        "supplement",
        APPLICANT,
        at(12, 3),
        materials={"site-plan": "d9"},
    )
    assert case.status is CaseStatus.CORRECTION
    assert case.correction is not None
    assert [i.key for i in case.correction.awaited] == ["note-1"]
    assert case.steps["municipal"].status is StepStatus.SUSPENDED
    assert case.promised is not None and case.promised.suspended
    case = desk.act(
        case, "supplement", APPLICANT, at(12, 4), materials={"note-1": "施工说明见doc-12"}
    )
    assert case.status is CaseStatus.IN_PROGRESS and case.correction is None
    assert case.steps["municipal"].status is StepStatus.ACTIVE
    assert running(case.promised)


def test_art32_supplied_material_leaves_the_awaited_list_at_once(desk: Desk) -> None:
    case = desk.act(
        drafted(desk), "supplement", APPLICANT, at(12, 2, 11), materials={"site-plan": "d9"}
    )
    assert case.correction is not None and case.correction.state is CorrectionState.DRAFT
    [answered] = [i for i in case.correction.items if i.key == "site-plan"]
    assert answered.answered_at == at(12, 2, 11) and answered.answer == "d9"
    assert [i.key for i in case.correction.awaited] == ["note-1"]
    assert case.materials["site-plan"].status is MaterialStatus.SUPPLIED
    case = desk.act(case, "approve", TRAFFIC, at(12, 2, 12), step="traffic")
    [notice] = kinds(case, "correction")
    assert "补充施工说明" in notice and "施工平面图" not in notice  # only what is still awaited


def test_art32_draft_answered_before_issue_is_dropped_without_a_notice(desk: Desk) -> None:
    case = desk.act(
        drafted(desk),
        "supplement",
        APPLICANT,
        at(12, 2, 11),
        materials={"site-plan": "d9", "note-1": "说明见doc-12"},
    )
    assert case.correction is None and case.status is CaseStatus.IN_PROGRESS
    assert kinds(case, "correction") == []


def test_art32_only_the_window_takes_a_correction_as_complete(desk: Desk) -> None:
    case = issued_with_free_text(desk)
    supplied = {"site-plan": "d9"}
    desk.refused(case, "supplement", APPLICANT, at(12, 3), materials=supplied, complete=True)
    case = desk.act(case, "supplement", WINDOW, at(12, 3), materials=supplied, complete=True)
    assert case.status is CaseStatus.IN_PROGRESS and case.correction is None


def test_art32_draft_of_a_closed_case_is_never_issued(desk: Desk) -> None:
    case, events = desk.act_events(drafted(desk), "withdraw", APPLICANT, at(12, 2, 11))
    assert case.correction is None and kinds(case, "correction") == []
    assert "correction.dropped" in [e.kind for e in events]


def test_art32_same_item_is_not_asked_twice_and_the_branch_has_answered(desk: Desk) -> None:
    case, _ = asks(desk, drafted(desk), TRAFFIC, "traffic", ["site-plan", "补充施工说明"])
    assert case.correction is not None
    assert [i.key for i in case.correction.items] == ["site-plan", "note-1"]
    assert case.correction.asked_by == ["municipal", "traffic"]
    assert case.correction.state is CorrectionState.ISSUED


def test_art32_correction_round_trips_through_the_snapshot(desk: Desk) -> None:
    for case in (drafted(desk), issued_with_free_text(desk)):
        assert Case.from_json(case.to_json()) == case


def test_art32_a_mistyped_material_id_is_refused_not_asked_as_free_text(desk: Desk) -> None:
    accepted = desk.accepted(now=at(12, 1))
    error = desk.refused(
        accepted,
        "return-for-correction",
        MUNICIPAL,
        at(12, 2),
        step="municipal",
        items=["site-plam", "补充施工说明"],
    )
    assert "'site-plam' is no material" in error.reason and "site-plan" in error.reason
