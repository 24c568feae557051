"""Deadlines that act by themselves, applied by the sweep as the system, once: Art. 32's deemed
acceptance after 5 working days, and a deferred material (容缺) past its deadline ending the
case, the notice naming the material by its Chinese title."""

from __future__ import annotations

import threading
from typing import Any

from sqlmodel import Session, select

from engine.cases.service import CaseService
from engine.cases.state import CaseStatus
from engine.cases.tables import EscalationRow
from engine.escalation.sweep import Supervision
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import at


def events(service: CaseService, case_id: str, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in service.timeline(case_id) if e.kind == kind]


def fired_on(service: CaseService, case_id: str) -> list[tuple[str, str]]:
    with Session(service.engine) as session:
        rows = session.execute(
            select(EscalationRow.clock_key, EscalationRow.level).where(
                EscalationRow.case_id == case_id
            )
        ).all()
    return sorted((key.split(":", 1)[1], level) for key, level in rows)


def test_art32_deemed_accepted_after_five_days(
    service: CaseService, supervision: Supervision, frozen: Any
) -> None:
    # Tuesday 9-29 10:00; five working days (Art. 82): 9-30, 10-08, 10-09, 10-10 (make-up
    # Saturday), 10-12 — the window ends 10-12 17:30
    case_id = service.submit("road-works", APPLICATION).id
    frozen.move_to(at(10, 12, 10, 0))
    supervision.sweep()
    assert fired_on(service, case_id) == [("acceptance", "yellow")]  # the window is warned
    assert service.load(case_id).status is CaseStatus.SUBMITTED

    frozen.move_to(at(10, 12, 17, 31))
    report = supervision.sweep()
    assert report.lapsed == [(case_id, "deem-accepted")]
    case = service.load(case_id)
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.accepted_at == at(9, 29, 10, 0)  # from the day the materials arrived
    assert case.promised is not None and case.promised.start == at(9, 29, 10, 0)
    [deemed] = events(service, case_id, "case.deemed-accepted")
    assert deemed["received"] == at(9, 29, 10, 0).isoformat()
    acceptance = [n for n in case.notices if n.kind == "acceptance"]
    assert len(acceptance) == 1 and "视为受理" in acceptance[0].text
    assert ("acceptance", "red") in fired_on(service, case_id)  # supervision hears of it
    assert supervision.sweep().lapsed == []  # once


def test_art32_window_stops_counting_once_the_window_acts(
    service: CaseService, supervision: Supervision, frozen: Any
) -> None:
    case_id = service.submit("road-works", APPLICATION).id
    service.act(case_id, "accept", actor="wang")
    frozen.move_to(at(10, 13))
    assert supervision.sweep().lapsed == []
    assert fired_on(service, case_id) == [] or all(
        not key.startswith("acceptance") for key, _ in fired_on(service, case_id)
    )
    assert events(service, case_id, "case.deemed-accepted") == []


def test_deferred_materials_expiry_terminates_by_sweep_once(
    service: CaseService, supervision: Supervision, frozen: Any
) -> None:
    application = {**APPLICATION, "materials": dict(APPLICATION["materials"])}
    del application["materials"]["traffic-plan"]  # 交通组织方案 deferred, 5 working days
    case_id = service.submit("road-works", application).id
    service.act(case_id, "accept", actor="wang")  # 9-29 10:00: the plan is due by 10-12 17:30
    for actor, step in [("liu", "municipal"), ("zhao", "traffic")]:
        service.act(case_id, "approve", actor=actor, args={"step": step})
    frozen.move_to(at(10, 12, 17, 0))
    assert supervision.sweep().lapsed == []

    frozen.move_to(at(10, 12, 17, 31))
    results: list[Any] = []

    def sweep() -> None:
        results.append(supervision.sweep().lapsed)

    racing = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in racing:
        thread.start()
    for thread in racing:
        thread.join()

    case = service.load(case_id)
    assert case.status is CaseStatus.TERMINATED
    ended = [e for e in events(service, case_id, "case.status") if e["new"] == "terminated"]
    assert len(ended) == 1
    terminations = [n for n in case.notices if n.kind == "termination"]
    assert len(terminations) == 1
    assert "交通组织方案" in terminations[0].text and "traffic-plan" not in terminations[0].text
    assert sum(len(r) for r in results) >= 1
    assert supervision.sweep().lapsed == []
