"""One notice (一次告知, Art. 32) through the store, on SQLite and PostgreSQL: a draft the sweep
issues at its Art. 32 limit, once; a breach of the one notice among the escalations
supervision sees; the open correction in the stored case view."""

from __future__ import annotations

from typing import Any

from engine.cases.service import CaseService
from engine.cases.state import CaseStatus
from engine.escalation.sweep import Supervision
from tests.fixtures.supervision import at


def ask(service: CaseService, case_id: str, actor: str, step: str, items: list[str]) -> None:
    service.act(case_id, "return-for-correction", actor=actor, args={"step": step, "items": items})


def test_art32_correction_issued_at_limit_by_sweep(
    service: CaseService, supervision: Supervision, accepted: Any, frozen: Any
) -> None:
    case_id = accepted()  # Tuesday 9-29 10:00
    ask(service, case_id, "liu", "municipal", ["site-plan", "补充施工说明"])
    view = service.show(case_id)
    assert view.correction is not None and view.correction.state == "draft"
    # five working days from 9-29 10:00: 9-30, 10-08, 10-09, 10-10 (make-up Saturday), 10-12
    assert view.correction.issue_by == at(10, 12, 17, 30)
    assert [n for n in view.notices if n.kind == "correction"] == []

    frozen.move_to(at(10, 12, 17, 0))
    assert (case_id, "issue-correction") not in supervision.sweep().lapsed
    frozen.move_to(at(10, 12, 17, 31))
    assert (case_id, "issue-correction") in supervision.sweep().lapsed
    view = service.show(case_id)
    assert view.status is CaseStatus.CORRECTION
    assert view.correction is not None and view.correction.issued_by == "system"
    assert view.correction.issued_at == at(10, 12, 17, 31)
    [notice] = [n for n in view.notices if n.kind == "correction"]
    assert "施工平面图" in notice.text and "补充施工说明" in notice.text
    issued = [e for e in service.timeline(case_id) if e.kind == "correction.issued"]
    assert [(e.actor, e.data["trigger"]) for e in issued] == [("system", "art32-limit")]
    assert (case_id, "issue-correction") not in supervision.sweep().lapsed  # once
    assert service.verify(case_id) == []


def test_art32_amendment_after_issue_is_a_breach_supervision_sees(
    service: CaseService, supervision: Supervision, accepted: Any
) -> None:
    case_id = accepted()
    service.act(case_id, "reject", actor="zhao", args={"step": "traffic", "reason": "方案不符"})
    ask(service, case_id, "liu", "municipal", ["site-plan"])  # the only active branch: issued
    negative = service.show(case_id).negatives[-1].id
    service.act(
        case_id, "overturn-negative", actor="li", args={"negative": negative, "reason": "可行"}
    )
    ask(service, case_id, "zhao", "traffic", ["id-card"])
    [breach] = [e for e in supervision.escalations(case_id=case_id)]
    assert (breach.level, breach.step, breach.department) == (
        "one-notice-breach",
        "traffic",
        "traffic-police",
    )
    assert breach.recipients == ["traffic-police/head"]
    view = service.show(case_id)
    assert view.correction is not None
    assert [(i.key, i.after_issue) for i in view.correction.items] == [
        ("site-plan", False),
        ("id-card", True),
    ]
    acknowledged = supervision.acknowledge(breach.id, actor="qian")  # the supervision office
    assert acknowledged.acknowledged_by == "qian"
    assert service.verify(case_id) == []


def test_art32_supplied_material_leaves_the_stored_awaited_list_at_once(
    service: CaseService, accepted: Any
) -> None:
    case_id = accepted()
    ask(service, case_id, "liu", "municipal", ["site-plan", "补充施工说明"])
    ask(service, case_id, "zhao", "traffic", ["id-card"])
    view = service.act(
        case_id, "supplement", actor="applicant", args={"materials": {"site-plan": "doc-9"}}
    )
    assert view.correction is not None and view.correction.awaited == ["note-1", "id-card"]
    assert service.show(case_id).correction == view.correction  # as stored, read back
    view = service.act(
        case_id,
        "supplement",
        actor="applicant",
        args={"materials": {"id-card": "doc-10", "note-1": "说明见doc-11"}},
    )
    assert view.correction is None and view.status is CaseStatus.IN_PROGRESS
