"""`act_many`: many commands in one transaction, each judged on its own (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from engine.cases.errors import IllegalAction
from engine.cases.service import CaseService, Command, Intake
from engine.cases.tables import CaseRow, DecisionRow
from engine.definitions.application import ApplicationError
from engine.errors import InputError
from engine.views.cases import CaseView
from tests.fixtures.cases import stored
from tests.fixtures.road_works import APPLICATION


def accepted_many(service: CaseService, count: int) -> list[str]:
    ids = [service.submit("road-works", APPLICATION).id for _ in range(count)]
    outcomes = service.act_many([Command(i, "accept", "wang") for i in ids])
    assert all(isinstance(o, CaseView) and o.status == "in-progress" for o in outcomes)
    return ids


def test_each_command_is_judged_on_its_own_and_the_rest_commit(service: CaseService) -> None:
    one, two, three = accepted_many(service, 3)
    before = stored(service, three)
    outcomes = service.act_many(
        [
            Command(one, "approve", "liu", {"step": "municipal"}),
            Command(two, "approve", "zhao", {"step": "traffic"}),
            Command(three, "approve", "zhao", {"step": "municipal"}),  # another department's
            Command("no-such-case", "approve", "liu", {"step": "municipal"}),
            Command(one, "approve", "zhao", {"step": "traffic"}),  # the same case, after the first
        ]
    )
    first, second, refused, unknown, later = outcomes
    assert isinstance(first, CaseView) and isinstance(second, CaseView)
    assert isinstance(later, CaseView)
    assert isinstance(refused, IllegalAction)
    assert three in str(refused) and "'municipal'" in str(refused) and "zhao" in str(refused)
    assert isinstance(unknown, InputError) and "no-such-case" in str(unknown)
    status = {s.id: s.status for s in later.steps}
    assert status["municipal"] == status["traffic"] == "approved"
    assert status["decision"] == "active"  # the join opened once both branches were in
    assert stored(service, three) == before  # the refused command changed nothing
    assert service.show(one).steps == later.steps
    with Session(service.engine) as session:
        signed = session.exec(select(DecisionRow.actor).where(DecisionRow.case_id == one)).all()
        assert sorted(signed) == ["liu", "zhao"]
    assert service.verify() == []  # every chain, extended twice in one transaction, holds


def test_a_repeated_key_returns_the_first_result_inside_and_across_batches(
    service: CaseService,
) -> None:
    (case_id,) = accepted_many(service, 1)
    command = Command(case_id, "approve", "liu", {"step": "municipal"}, key="batch-k1")
    first, again = service.act_many([command, command])
    assert isinstance(first, CaseView) and again == first
    assert service.act_many([command]) == [first]
    assert (
        service.act(case_id, "approve", actor="liu", args={"step": "municipal"}, key="batch-k1")
        == first
    )
    signed = [e for e in service.timeline(case_id) if e.kind == "step.signed"]
    assert len(signed) == 1


def test_racing_batches_on_the_same_cases_apply_each_approval_once(
    service: CaseService,
) -> None:
    ids = accepted_many(service, 6)
    barrier = threading.Barrier(2)
    results: dict[str, list[object]] = {}

    def batch(name: str, step: str) -> None:
        barrier.wait()
        results[name] = list(
            service.act_many([Command(i, "approve", name, {"step": step}) for i in ids])
        )

    threads = [
        threading.Thread(target=batch, args=("liu", "municipal")),
        threading.Thread(target=batch, args=("zhao", "traffic")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(o, CaseView) for outcome in results.values() for o in outcome)
    for case_id in ids:
        status = {s.id: s.status for s in service.show(case_id).steps}
        assert status["municipal"] == status["traffic"] == "approved"
        assert status["decision"] == "active"
        signed = [e for e in service.timeline(case_id) if e.kind == "step.signed"]
        assert len(signed) == 2
    assert service.verify() == []


def test_submit_many_takes_in_each_application_on_its_own(service: CaseService) -> None:
    wrong = {**APPLICATION, "materials": {**APPLICATION["materials"], "no-such-paper": "d9"}}
    first, refused, keyed, again = service.submit_many(
        [
            Intake("road-works", APPLICATION),
            Intake("road-works", wrong),
            Intake("road-works", APPLICATION, key="intake-1"),
            Intake("road-works", APPLICATION, key="intake-1"),
        ]
    )
    assert isinstance(first, CaseView) and isinstance(keyed, CaseView) and again == keyed
    assert isinstance(refused, ApplicationError) and "no-such-paper" in str(refused)
    assert first.id != keyed.id and first.status == "submitted"
    assert service.submit("road-works", APPLICATION, key="intake-1") == keyed
    with Session(service.engine) as session:
        assert len(session.exec(select(CaseRow.id)).all()) == 2  # nothing kept of the refused
    for view in (first, keyed):
        assert service.show(view.id).status == "submitted"
        assert [e.kind for e in service.timeline(view.id)][0] == "case.submitted"
    assert service.verify() == []
