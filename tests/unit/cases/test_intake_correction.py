"""一次告知 at intake (行政许可法 Art. 32): the window returns an application it has not
accepted for correction, naming materials and free-text items in the one notice; the notice
stops the acceptance window, and the supplement that answers it lets the window accept, the
five working days counted anew from it."""

from __future__ import annotations

from engine.cases.acceptance import acceptance_due
from engine.cases.case import Case, CorrectionState, MaterialStatus
from engine.cases.state import CaseStatus
from tests.fixtures.desk import APPLICANT, WINDOW, Desk, at, officer

ITEMS = ["site-plan", "请说明夜间施工时段"]


def returned(desk: Desk) -> Case:
    """Submitted Tuesday 12-01 10:00; the window returns it Wednesday 12-02 10:00."""
    case, _ = desk.submit(now=at(12, 1))
    return desk.act(
        case, "return-for-correction", WINDOW, at(12, 2), items=ITEMS, reason="平面图不清晰"
    )


def test_art32_window_returns_an_unaccepted_application_with_the_one_notice(desk: Desk) -> None:
    case = returned(desk)
    assert case.status is CaseStatus.CORRECTION and case.accepted_at is None
    correction = case.correction
    assert correction is not None and correction.state is CorrectionState.ISSUED
    assert (correction.issued_by, correction.issued_at) == (WINDOW.name, at(12, 2))
    assert [(i.key, i.asked_by, i.material) for i in correction.items] == [
        ("site-plan", "intake", True),
        ("note-1", "intake", False),
    ]
    [notice] = [n.text for n in case.notices if n.kind == "correction"]
    for text in ("施工平面图", "请说明夜间施工时段", "编号note-1", "平面图不清晰", "第三十二条"):
        assert text in notice
    assert case.materials["site-plan"].status is MaterialStatus.MISSING
    assert acceptance_due(case, desk.calendar) is None  # the notice stops the Art. 32 window
    assert Case.from_json(case.to_json()) == case


def test_art32_the_supplement_lets_the_window_accept_and_restarts_the_window(desk: Desk) -> None:
    case = returned(desk)
    desk.refused(case, "accept", WINDOW, at(12, 2, 11))  # nothing to accept before the answer
    case = desk.act(case, "supplement", APPLICANT, at(12, 3), materials={"site-plan": "d9"})
    assert case.status is CaseStatus.CORRECTION  # the free-text item is still awaited
    case = desk.act(case, "supplement", APPLICANT, at(12, 4), materials={"note-1": "22时前"})
    assert case.status is CaseStatus.SUBMITTED and case.correction is None
    assert case.resubmitted_at == at(12, 4)
    # five working days from the supplement, Fri 12-04: 12-07 … 12-11, close of business
    assert acceptance_due(case, desk.calendar) == at(12, 11, 17, 30)
    case = desk.act(case, "accept", WINDOW, at(12, 7))
    assert case.status is CaseStatus.IN_PROGRESS and case.accepted_at == at(12, 7)


def test_art32_intake_return_refusals(desk: Desk) -> None:
    case, _ = desk.submit(now=at(12, 1))
    args = {"items": ITEMS}
    reviewer = officer("municipal")
    assert desk.refused(case, "return-for-correction", reviewer, at(12, 2), **args).reason
    other_window = officer("municipal", "window")
    desk.refused(case, "return-for-correction", other_window, at(12, 2), **args)
    error = desk.refused(case, "return-for-correction", WINDOW, at(12, 2), items=[])
    assert "list what the applicant must supply" in error.reason
    again = desk.refused(returned(desk), "return-for-correction", WINDOW, at(12, 2, 11), **args)
    assert "was issued at" in again.reason  # one notice: nothing is added to it
    late = desk.refused(case, "return-for-correction", WINDOW, at(12, 9), **args)
    assert "deemed accepted" in late.reason  # the window closed 12-08 17:30
