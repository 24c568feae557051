"""The case service end to end on SQLite and PostgreSQL: commands, rows, audit, concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from engine.cases.errors import IllegalAction
from engine.cases.service import CaseService
from engine.cases.tables import DecisionRow, EventRow, StepRow
from engine.errors import InputError
from tests.fixtures.cases import Clock, accepted, stored
from tests.fixtures.road_works import APPLICATION


def test_submit_accept_runs_parallel_branches_and_persists(service: CaseService) -> None:
    case_id = accepted(service)
    view = service.show(case_id)
    active = {s.id for s in view.steps if s.status == "active"}
    assert active == {"municipal", "traffic"}
    greening = next(s for s in view.steps if s.id == "greening")
    assert greening.status == "skipped"
    municipal = next(s for s in view.steps if s.id == "municipal")
    assert municipal.clock is not None
    assert municipal.clock.due.isoformat() == "2026-12-04T17:30:00+08:00"  # 3 working days
    assert municipal.clock.remaining_working_days == 3


def test_a_case_runs_to_delivery_and_lists_by_department(
    service: CaseService, clock: Clock
) -> None:
    case_id = accepted(service)
    assert [c.id for c in service.list_cases(department="municipal")] == [case_id]
    service.act(case_id, "approve", actor="liu", args={"step": "municipal"})
    service.act(case_id, "approve", actor="zhao", args={"step": "traffic"})
    service.act(case_id, "approve", actor="chen", args={"step": "decision"})
    service.act(case_id, "approve", actor="zhou", args={"step": "decision"})
    service.act(
        case_id, "supplement", actor="applicant", args={"materials": {"traffic-plan": "d4"}}
    )
    view = service.act(case_id, "approve", actor="wang", args={"step": "delivery"})
    assert view.status == "completed"
    assert service.list_cases(department="municipal") == []
    assert service.list_cases(status="completed")[0].id == case_id
    with Session(service.engine) as session:
        decisions = session.exec(select(DecisionRow).where(DecisionRow.case_id == case_id)).all()
        assert sorted(d.actor for d in decisions) == ["chen", "liu", "wang", "zhao", "zhou"]
        open_steps = session.exec(select(StepRow).where(StepRow.is_open)).all()
        assert open_steps == []


def test_an_illegal_action_changes_nothing_in_the_database(service: CaseService) -> None:
    case_id = accepted(service)
    before = stored(service, case_id)
    with pytest.raises(IllegalAction) as caught:
        service.act(case_id, "approve", actor="zhao", args={"step": "municipal"})
    message = str(caught.value)
    assert case_id in message and "'municipal'" in message and "active" in message
    assert "zhao" in message
    assert stored(service, case_id) == before
    with pytest.raises(InputError, match="unknown user"):
        service.act(case_id, "approve", actor="nobody", args={"step": "municipal"})


def test_a_transfer_to_nobody_known_is_refused_and_changes_nothing(service: CaseService) -> None:
    case_id = accepted(service)
    before = stored(service, case_id)
    with pytest.raises(InputError, match="unknown user 'nobody'"):
        service.act(case_id, "transfer", actor="liu", args={"step": "municipal", "to": "nobody"})
    assert stored(service, case_id) == before
    view = service.act(case_id, "transfer", actor="liu", args={"step": "municipal", "to": "ma"})
    assert next(s for s in view.steps if s.id == "municipal").assignee == "ma"


def test_idempotency_key_returns_the_first_result_and_changes_nothing(
    service: CaseService,
) -> None:
    case_id = accepted(service)
    first = service.act(
        case_id, "approve", actor="liu", args={"step": "municipal"}, key="k-approve-1"
    )
    again = service.act(
        case_id, "approve", actor="liu", args={"step": "municipal"}, key="k-approve-1"
    )
    assert again == first
    assert len([e for e in service.timeline(case_id) if e.kind == "step.signed"]) == 1
    one = service.submit("road-works", APPLICATION, key="submit-1")
    two = service.submit("road-works", APPLICATION, key="submit-1")
    assert one.id == two.id


def test_a_key_reused_for_another_command_is_refused_and_changes_nothing(
    service: CaseService,
) -> None:
    case_id = accepted(service)
    service.act(case_id, "approve", actor="liu", args={"step": "municipal"}, key="k-used")
    other = accepted(service)
    before = stored(service, case_id), stored(service, other)
    for target, action, args in [
        (case_id, "reject", {"step": "municipal", "reason": "x"}),  # another action
        (other, "approve", {"step": "municipal"}),  # the same action on another case
    ]:
        with pytest.raises(InputError, match="key 'k-used' was already used for approve"):
            service.act(target, action, actor="liu", args=args, key="k-used")
    assert (stored(service, case_id), stored(service, other)) == before
    service.submit("road-works", APPLICATION, key="s-used")
    with pytest.raises(InputError, match="key 's-used' was already used for submit"):
        service.submit("ride-hailing", APPLICATION, key="s-used")
    with pytest.raises(InputError, match="key 'k-used' was already used for approve"):
        service.submit("road-works", APPLICATION, key="k-used")


def test_two_officers_on_the_same_step_at_once_exactly_one_applies(
    service: CaseService,
) -> None:
    case_id = accepted(service)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(name: str) -> None:
        barrier.wait()
        try:
            service.act(case_id, "approve", actor=name, args={"step": "municipal"})
            outcomes[name] = "applied"
        except IllegalAction as exc:
            outcomes[name] = str(exc)

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("liu", "ma")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()).count("applied") == 1
    loser = next(v for v in outcomes.values() if v != "applied")
    assert "step 'municipal'" in loser and "approved" in loser
    signed = [e for e in service.timeline(case_id) if e.kind == "step.signed"]
    assert len(signed) == 1


def test_officers_on_different_branches_at_once_both_apply(service: CaseService) -> None:
    case_id = accepted(service)
    errors: list[Exception] = []

    def approve(name: str, step: str) -> None:
        try:
            service.act(case_id, "approve", actor=name, args={"step": step})
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [
        threading.Thread(target=approve, args=a)
        for a in (("liu", "municipal"), ("zhao", "traffic"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    steps = {s.id: s.status for s in service.show(case_id).steps}
    assert steps["municipal"] == steps["traffic"] == "approved"
    assert steps["decision"] == "active"


def test_audit_chain_detects_an_edit_of_history(service: CaseService, db: sa.Engine) -> None:
    case_id = accepted(service)
    service.act(case_id, "approve", actor="liu", args={"step": "municipal"})
    assert service.verify(case_id) == []
    assert service.verify() == []
    with Session(db) as session:
        third = session.exec(
            select(EventRow).where(EventRow.case_id == case_id, EventRow.seq == 3)
        ).one()
        third.data = third.data.replace("accept", "forged") + " "
        session.add(third)
        session.commit()
    broken = service.verify(case_id)
    assert len(broken) == 1 and broken[0].seq == 3
    assert "changed" in broken[0].reason


def test_negative_register_and_overdue_listing(service: CaseService, clock: Clock) -> None:
    case_id = accepted(service)
    service.act(
        case_id,
        "reject",
        actor="zhao",
        args={
            "step": "traffic",
            "reason": "施工方案影响主干道通行",
            "legal_basis": "道路交通安全法第三十二条",
        },
    )
    pending = service.negatives(status="pending")
    assert [n.case_id for n in pending] == [case_id]
    assert pending[0].department == "traffic-police"
    clock.now = clock.now + dt.timedelta(days=7)  # moving the test clock, not a deadline
    overdue = service.overdue_steps()
    assert (case_id, "municipal") in [(c, s) for c, s, _ in overdue]
    assert [c.id for c in service.list_cases(overdue=True)] == [case_id]
    service.act(case_id, "confirm-negative", actor="li", args={"negative": pending[0].id})
    assert service.show(case_id).status == "rejected"
    assert service.negatives(status="confirmed")[0].decided_by == "li"
