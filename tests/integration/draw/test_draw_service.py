"""The draw end to end on real stores: a long utility job's site inspection is drawn sealed,
shows only commitments until opened by the bureau's head at the inspection time, completes
when both examiners record findings, and `verify` detects each kind of tampering."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.errors import IllegalAction, NotPermitted
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow, EventRow
from engine.definitions.loader import load_application, load_catalogue, load_workflow
from engine.draw.roster import Roster, load_roster
from engine.draw.service import DrawService
from tests.fixtures.cases import TZ, Clock
from tests.fixtures.definitions import DEFINITIONS

KEY = bytes.fromhex("11" * 32)
STEP = "site-inspection"
WORKFLOW = load_workflow(
    DEFINITIONS / "workflows" / "utility-external-works.yaml", load_catalogue(DEFINITIONS)
)
APPLICATION = load_application(
    DEFINITIONS / "samples" / "utility-external-works-site-inspection.json", WORKFLOW
)
INSPECTION_AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ))


@pytest.fixture
def draws(db: sa.Engine, clock: Clock, calendars: CalendarSet) -> DrawService:
    cases = CaseService(db, workflows=lambda _id, _v: WORKFLOW, calendars=calendars, clock=clock)
    roster = load_roster(DEFINITIONS / "examiners.yaml")
    people = [("window", "window", "approval-bureau"), ("head", "head", "approval-bureau")]
    people += [("reviewer", "reviewer", "approval-bureau"), ("muni", "reviewer", "municipal")]
    people += [(e.id, "reviewer", e.department) for e in roster.examiners]
    for name, role, department in people:
        Accounts(db, clock=clock).add(name, role=role, department=department)
    return DrawService(cases, roster=roster, key=KEY)


def _at_inspection(draws: DrawService) -> str:
    cases = draws.cases
    case_id = cases.submit(WORKFLOW.id, APPLICATION).id
    cases.act(case_id, "accept", actor="window")
    for step in ("road-occupation", "road-digging"):
        cases.act(case_id, "approve", actor="muni", args={"step": step})
    assert cases.load(case_id).steps[STEP].status.value == "active"
    return case_id


def _identities(text: str) -> set[str]:
    roster = load_roster(DEFINITIONS / "examiners.yaml")
    return {e.id for e in roster.examiners if e.id in text}


def test_sealed_until_opened_then_verified_and_completed(draws: DrawService, clock: Clock) -> None:
    case_id = _at_inspection(draws)
    view = draws.draw(case_id, STEP, actor="head", opens_at=INSPECTION_AT)
    assert view.status == "sealed" and view.rounds[0].drawn is None and view.examiners == []
    assert len(view.rounds[0].commitment) == 64
    # every read path before the opening: the draw view, the case view, the timeline
    timeline = draws.cases.timeline(case_id)
    kinds = [e.kind for e in timeline if e.kind.startswith("draw.")]
    assert kinds == ["draw.eligible", "draw.seed", "draw.sealed"]
    eligible_event = next(e for e in timeline if e.kind == "draw.eligible")
    assert set(eligible_event.data["excluded"]) == {"examiner-zhang", "examiner-zhao"}
    shown = view.model_dump_json() + draws.cases.show(case_id).model_dump_json()
    shown += json.dumps(
        [e.data for e in timeline if not e.data.get("excluded")], ensure_ascii=False
    )
    assert _identities(shown) == set()
    # too early, and the wrong role: refused, nothing changes
    with pytest.raises(IllegalAction, match="scheduled inspection time"):
        draws.open(case_id, STEP, actor="head")
    clock.now = INSPECTION_AT
    with pytest.raises(NotPermitted):
        draws.open(case_id, STEP, actor="reviewer")
    opened = draws.open(case_id, STEP, actor="head")
    assert opened.status == "opened" and len(opened.examiners) == 2
    assert not set(opened.examiners) & {"examiner-zhang", "examiner-zhao"}
    assert [e.kind for e in draws.cases.timeline(case_id)][-1] == "draw.opened"
    report = draws.verify(case_id, STEP)
    assert report.ok, report.checks
    first, second = opened.examiners
    with pytest.raises(NotPermitted):
        draws.record_finding(case_id, STEP, actor="reviewer", text="现场与图纸一致")
    draws.record_finding(case_id, STEP, actor=first, text="现场与图纸一致")
    assert draws.cases.load(case_id).steps[STEP].status.value == "active"
    draws.record_finding(case_id, STEP, actor=second, text="同意")
    assert draws.cases.load(case_id).steps[STEP].status.value == "approved"


def test_a_declined_examiner_is_replaced_by_a_logged_redraw(
    draws: DrawService, clock: Clock
) -> None:
    case_id = _at_inspection(draws)
    draws.draw(case_id, STEP, actor="head", opens_at=INSPECTION_AT)
    clock.now = INSPECTION_AT
    first, second = draws.open(case_id, STEP, actor="head").examiners
    view = draws.decline(case_id, STEP, actor="head", examiner=first, reason="因病不能到场")
    assert view.status == "sealed" and view.rounds[1].reason.endswith("因病不能到场")
    assert view.examiners == [second]
    view = draws.open(case_id, STEP, actor="head")
    assert len(view.examiners) == 2 and first not in view.examiners
    assert draws.verify(case_id, STEP).ok


def _tamper(draws: DrawService, case_id: str, change: str) -> None:
    with Session(draws.cases.engine) as session:
        if change == "log":
            event = session.exec(select(EventRow).where(EventRow.kind == "draw.sealed")).one()
            data = json.loads(event.data)
            data["commitment"] = "0" * 64
            event.data = json.dumps(data)
            session.add(event)
        else:
            row = session.get(CaseRow, case_id)
            assert row is not None
            snapshot = json.loads(row.snapshot)
            step = next(s for s in snapshot["steps"] if s["step_id"] == STEP)
            record = step["result"]["draw"]["rounds"][0]
            if change == "sealed":
                record["sealed"] = record["sealed"][:-4] + "AAAA"
            elif change == "roster":
                record["opened"]["eligible"].append("examiner-zhang")
            elif change == "drawn":
                record["opened"]["drawn"][0] = "examiner-zhang"
            row.snapshot = json.dumps(snapshot, ensure_ascii=False)
            session.add(row)
        session.commit()


@pytest.mark.parametrize("change", ["sealed", "roster", "drawn", "log"])
def test_verify_detects_tampering(draws: DrawService, clock: Clock, change: str) -> None:
    case_id = _at_inspection(draws)
    draws.draw(case_id, STEP, actor="head", opens_at=INSPECTION_AT)
    clock.now = INSPECTION_AT
    draws.open(case_id, STEP, actor="head")
    _tamper(draws, case_id, change)
    report = draws.verify(case_id, STEP)
    assert not report.ok
    assert [c.name for c in report.checks if not c.ok]


def test_too_few_eligible_is_an_incident_naming_why_and_nothing_is_drawn(
    draws: DrawService,
) -> None:
    roster = load_roster(DEFINITIONS / "examiners.yaml")
    few = Roster(
        tuple(e for e in roster.examiners if e.id in ("examiner-li", "examiner-zhang")),
        recent_within_months=12,
    )
    short = DrawService(draws.cases, roster=few, key=KEY)
    case_id = _at_inspection(short)
    view = short.draw(case_id, STEP, actor="head", opens_at=INSPECTION_AT)
    assert view.status == "not drawn" and view.rounds == []
    incident = [e for e in short.cases.timeline(case_id) if e.kind == "step.incident"][-1]
    assert "1 eligible, 2 needed" in incident.data["message"]
    eligible = next(e for e in short.cases.timeline(case_id) if e.kind == "draw.eligible")
    assert list(eligible.data["excluded"]) == ["examiner-zhang"]
    assert short.cases.load(case_id).steps[STEP].status.value == "active"
