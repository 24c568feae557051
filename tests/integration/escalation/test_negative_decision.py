"""The leader's decision on a negative matter (否定事项报备, docs/domain.md §negative-matters):
the same day where possible, otherwise within 5 working days; its ladder tells the leader, then
the supervision office, each level once, and stops with the decision."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from engine.cases.service import CaseService
from engine.cases.tables import EscalationRow
from engine.escalation.sweep import Supervision
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import at

REFUSAL = {"reason": "不属于本机关职权范围", "legal_basis": "行政许可法第三十二条第一款第二项"}


def negative_levels(service: CaseService, case_id: str) -> list[tuple[str, list[str]]]:
    with Session(service.engine) as session:
        rows = session.execute(
            select(EscalationRow).where(EscalationRow.case_id == case_id).order_by(EscalationRow.id)  # type: ignore[arg-type]
        ).scalars()
        return [
            (row.level, [f"{d}/{r}" for d, r in json.loads(row.recipients)])
            for row in rows
            if ":negative:" in row.clock_key
        ]


def refused(service: CaseService) -> str:
    """An application refused by the window on Tuesday 9-29 10:00: the leader has until
    Monday 10-12 17:30 (9-30, 10-08, 10-09, 10-10 a make-up Saturday, 10-12)."""
    case_id = service.submit("road-works", APPLICATION).id
    service.act(case_id, "refuse", actor="wang", args=REFUSAL)
    return case_id


def test_negative_decision_ladder_tells_the_leader_then_supervision_once_per_level(
    service: CaseService, supervision: Supervision, frozen: Any
) -> None:
    case_id = refused(service)
    frozen.move_to(at(10, 10, 17, 0))
    supervision.sweep()
    assert negative_levels(service, case_id) == []  # the day before the limit not yet over

    frozen.move_to(at(10, 10, 17, 31))
    supervision.sweep()
    supervision.sweep()  # once
    assert negative_levels(service, case_id) == [("yellow", ["bureau/leader"])]

    frozen.move_to(at(10, 13, 17, 31))  # the limit passed on Monday; Tuesday closes too
    supervision.sweep()
    supervision.sweep()
    assert negative_levels(service, case_id) == [
        ("yellow", ["bureau/leader"]),
        ("red", ["bureau/leader", "bureau/head"]),
        ("supervision", ["supervision/supervisor", "approval-bureau/leader"]),
    ]
    [view] = [n for n in service.negatives() if n.case_id == case_id]
    assert view.light == "red"
    assert view.decision_due is not None
    assert view.decision_due.due.isoformat() == "2026-10-12T17:30:00+08:00"
    assert view.decision_due.overdue_working_days == 1


def test_negative_decision_clock_stops_with_the_leaders_decision(
    service: CaseService, supervision: Supervision, frozen: Any
) -> None:
    case_id = refused(service)
    frozen.move_to(at(10, 10, 17, 31))
    supervision.sweep()
    assert [level for level, _ in negative_levels(service, case_id)] == ["yellow"]
    service.act(
        case_id, "confirm-negative", actor="li", args={"negative": f"{case_id}-N1", "reason": ""}
    )
    frozen.move_to(at(10, 20, 17, 31))
    supervision.sweep()
    assert [level for level, _ in negative_levels(service, case_id)] == ["yellow"]
    [view] = [n for n in service.negatives() if n.case_id == case_id]
    assert view.decision_due is None and view.light is None  # decided: no clock runs
