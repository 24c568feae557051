"""Time the law does not count stops the case's own clocks in the store too (行政许可法 Art. 45,
docs/domain.md §the case clocks): while the ride-hailing driver's exam (`counted: false`) runs,
or while a step on the critical path is suspended, the sweep fires nothing on the case's
promised clock — no case red card, no supervision — however long it lasts; on SQLite and
PostgreSQL, over the repository's workflows."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from engine.cases.service import CaseService
from engine.cases.tables import EscalationRow
from engine.definitions.loader import load_catalogue
from engine.demo.driver import next_commands, officer_name
from engine.escalation.firings import clock_key
from engine.escalation.sweep import Supervision
from tests.fixtures.cases import Clock, service_for
from tests.fixtures.definitions import DEFINITIONS

TZ = ZoneInfo("Asia/Shanghai")
CHECKED = {"ok": True, "findings": []}


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def application(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((DEFINITIONS / "samples" / f"{name}.json").read_text())
    return loaded


def case_levels(service: CaseService, case_id: str) -> list[str]:
    """The levels fired on the case's promised clock."""
    with Session(service.engine) as session:
        query = select(EscalationRow.level).where(
            EscalationRow.clock_key == clock_key(case_id, None)
        )
        return list(session.execute(query).scalars())


def supervision(service: CaseService) -> Supervision:
    return Supervision(service, catalogue=load_catalogue(DEFINITIONS))


def test_art45_not_counted_exam_keeps_the_sweep_silent_on_the_case_clock(
    db: sa.Engine,
) -> None:
    clock = Clock(at(12, 1, 9, 30))  # Tuesday
    service = service_for(db, clock)
    workflow = service.workflows("ride-hailing-dual-licence", None)
    case_id = service.submit("ride-hailing-dual-licence", application(workflow.id)).id
    service.act(case_id, "accept", actor=officer_name(workflow.owner, "window"))
    for _ in range(10):  # everything but the exam, which runs on the applicant's schedule
        clock.now += dt.timedelta(minutes=10)
        view = service.show(case_id)
        moves = [
            c
            for c in next_commands(view, workflow, check_result=CHECKED)
            if c.args.get("step") != "driver-exam"
        ]
        if not moves:
            break
        service.act_many(moves)
    view = service.show(case_id)
    assert [s.id for s in view.steps if s.status == "active"] == ["driver-exam"]
    assert view.promised is not None and view.promised.suspended  # 2 working days, stopped

    clock.now = at(12, 8, 16)  # a week on: the promise would have been overdue since 12-03
    supervision(service).sweep()
    assert case_levels(service, case_id) == []
    shown = service.show(case_id)
    assert shown.promised is not None and not shown.promised.overdue

    examiner = officer_name("transport", "reviewer")
    service.act(case_id, "approve", actor=examiner, args={"step": "driver-exam"})
    clock.now = at(12, 16, 18)  # now the clock runs: 2 working days plus the stop, then past
    supervision(service).sweep()
    assert "red" in case_levels(service, case_id)  # the same sweep speaks once time counts


def test_art45_suspension_on_the_critical_path_keeps_the_sweep_silent_on_the_case_clock(
    db: sa.Engine,
) -> None:
    clock = Clock(at(12, 1, 9, 30))
    service = service_for(db, clock)
    name = "utility-external-works"
    workflow = service.workflows(name, None)
    case_id = service.submit(name, application(f"{name}-long")).id
    service.act(case_id, "accept", actor=officer_name(workflow.owner, "window"))
    clock.now = at(12, 1, 10)
    reviewer = officer_name("municipal", "reviewer")
    service.act(
        case_id, "suspend", actor=reviewer, args={"step": "road-digging", "reason": "专家评审"}
    )
    shown = service.show(case_id)
    assert shown.promised is not None and shown.promised.suspended

    clock.now = at(12, 10, 16)  # the 2-working-day promise would be a week overdue
    supervision(service).sweep()
    assert case_levels(service, case_id) == []
    shown = service.show(case_id)
    assert shown.promised is not None and not shown.promised.overdue

    service.act(case_id, "resume", actor=reviewer, args={"step": "road-digging"})
    clock.now = at(12, 24, 18)  # running again: 2 working days plus the stop, then past
    supervision(service).sweep()
    assert "red" in case_levels(service, case_id)
