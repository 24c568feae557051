"""An idempotency key stands for the whole command (SQLite and PostgreSQL): the same key with
the same action and case but another step, actor, argument or application is refused with
one line naming the first use, and changes nothing; a key past its column is refused as input."""

from __future__ import annotations

import pytest

from engine.cases.service import CaseService, Command, Intake
from engine.errors import InputError, OnethingError
from engine.views.cases import CaseView
from tests.fixtures.cases import accepted, stored
from tests.fixtures.road_works import APPLICATION

FIRST_USE = (
    r"key 'k1' was already used for approve on case \S+ "
    r"at \d{4}-\d\d-\d\d \d\d:\d\d \+08:00 with other details"  # local time, with its offset
)


@pytest.mark.parametrize(
    ("actor", "args"),
    [
        ("liu", {"step": "traffic"}),  # another step
        ("ma", {"step": "municipal"}),  # another officer
        ("liu", {"step": "municipal", "comment": "同意"}),  # another argument
    ],
    ids=["another_step", "another_actor", "another_argument"],
)
def test_the_same_key_on_another_step_actor_or_argument_is_refused(
    service: CaseService, actor: str, args: dict[str, str]
) -> None:
    case_id = accepted(service)
    service.act(case_id, "approve", actor="liu", args={"step": "municipal"}, key="k1")
    before = stored(service, case_id)
    with pytest.raises(InputError, match=FIRST_USE):
        service.act(case_id, "approve", actor=actor, args=args, key="k1")
    assert stored(service, case_id) == before


def test_a_retry_of_the_same_command_returns_the_first_result(service: CaseService) -> None:
    case_id = accepted(service)
    first = service.act(case_id, "approve", actor="liu", args={"step": "municipal"}, key="k1")
    before = stored(service, case_id)
    assert service.act(case_id, "approve", actor="liu", args={"step": "municipal"}, key="k1") == (
        first
    )
    assert stored(service, case_id) == before


def test_the_same_key_on_another_application_is_refused(service: CaseService) -> None:
    first = service.submit("road-works", APPLICATION, key="s1")
    assert service.submit("road-works", APPLICATION, key="s1") == first
    other = {**APPLICATION, "fields": {"length_m": 150}}
    with pytest.raises(
        InputError, match=f"key 's1' was already used for submit on case {first.id}"
    ):
        service.submit("road-works", other, key="s1")
    (refused,) = service.submit_many([Intake("road-works", other, "s1")])
    assert isinstance(refused, InputError)


def test_a_batch_reusing_a_key_on_another_step_applies_only_the_first(
    service: CaseService,
) -> None:
    """The reported hole: "2 applied, 0 refused" while the second command never ran."""
    case_id = accepted(service)
    outcomes = service.act_many(
        [
            Command(case_id, "approve", "liu", {"step": "municipal"}, "b1"),
            Command(case_id, "approve", "zhao", {"step": "traffic"}, "b1"),
        ]
    )
    assert isinstance(outcomes[0], CaseView)
    assert isinstance(outcomes[1], OnethingError) and "already used" in str(outcomes[1])
    steps = {s.id: s.status for s in service.show(case_id).steps}
    assert (steps["municipal"], steps["traffic"]) == ("approved", "active")


def test_a_key_longer_than_its_column_is_refused_as_input(service: CaseService) -> None:
    case_id = accepted(service)
    before = stored(service, case_id)
    with pytest.raises(InputError, match="the key is longer than 128 characters"):
        service.act(case_id, "approve", actor="liu", args={"step": "municipal"}, key="k" * 129)
    with pytest.raises(InputError, match="the key is longer than 128 characters"):
        service.submit("road-works", APPLICATION, key="k" * 129)
    assert stored(service, case_id) == before


def test_rerunning_an_interrupted_keyed_batch_completes_it_with_nothing_doubled(
    service: CaseService,
) -> None:
    """A batch whose cases moved under it runs line by line; killed part-way, it leaves the
    lines before the kill applied. Run again with the same keys, it completes: every line
    answered, each approval recorded once."""
    ids = [accepted(service) for _ in range(3)]
    batch = [
        Command(case_id, "approve", actor, {"step": step}, f"batch-7:{case_id}:{step}")
        for case_id in ids
        for actor, step in (("liu", "municipal"), ("zhao", "traffic"))
    ]
    for command in batch[:4]:  # what ran, one transaction a line, before the kill
        service.act(
            command.case_id, command.action, actor=command.actor, args=command.args, key=command.key
        )
    outcomes = service.act_many(batch)
    assert all(isinstance(o, CaseView) for o in outcomes)
    for case_id in ids:
        signed = [e for e in service.timeline(case_id) if e.kind == "step.signed"]
        assert len(signed) == 2
        steps = {s.id: s.status for s in service.show(case_id).steps}
        assert (steps["municipal"], steps["traffic"], steps["decision"]) == (
            "approved",
            "approved",
            "active",
        )
    assert service.act_many(batch) == [service.act_many([c])[0] for c in batch]
    assert service.verify() == []
