"""The inspection draw in the flow path: when the case's flow run records its check and so
makes the on-site inspection active, the engine draws the examiners itself, as the system, in
that same unit of work, sealed (实地核查审查员抽取, Art. 34(3))."""

from __future__ import annotations

import pytest

from engine.access.permissions import Post, Principal, Role
from engine.cases.service import CaseService
from engine.draw.book import RosterBook
from engine.draw.drawer import Drawer
from engine.draw.roster import import_changes, load_roster
from engine.draw.service import DrawService
from tests.e2e.prefect.app import DRAW_KEY, OWNER, release
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.flow_runs import CLEAN_DRIVER, Served, application, paused, wait_for

pytestmark = [pytest.mark.prefect, pytest.mark.postgres, pytest.mark.timeout(240)]
ROSTER = load_roster(DEFINITIONS / "examiners.yaml")
STEP = "site-inspection"


def test_art34_an_inspection_the_flow_activates_is_drawn_by_the_system_sealed(
    service: CaseService, served: Served
) -> None:
    book = RosterBook(service.engine, clock=service.clock)
    if book.current().seq == 0:  # the session's database is shared by its tests
        book.change(Principal("roster-admin", (Post(Role.ADMIN, OWNER),)), import_changes(ROSTER))
    case_id = service.submit("inspection-test", application(CLEAN_DRIVER)).id
    wait_for("the run to wait for acceptance", lambda: paused(service, case_id))
    service.act(case_id, "accept", actor="wang")
    release(service.engine, case_id)

    def sealed() -> list[str]:
        return [e.kind for e in service.timeline(case_id) if e.kind == "draw.sealed"]

    wait_for("the flow's check to activate the inspection and the engine to draw", sealed)
    events = service.timeline(case_id)
    activated = next(e for e in events if e.kind == "step.activated" and e.data.get("step") == STEP)
    passed = [
        e
        for e in events
        if e.kind == "step.status"
        and e.data.get("step") == "background-check"
        and "approved" in str(e.data)
    ]
    assert passed and passed[-1].actor == "system"  # the flow run recorded the check
    drawn = [e for e in events if e.kind.startswith("draw.")]
    assert [e.kind for e in drawn] == ["draw.eligible", "draw.seed", "draw.sealed"]
    assert {e.actor for e in drawn} == {"system"}
    # one unit of work: the check's result, the activation and the draw share their moment
    assert {e.at for e in drawn} == {activated.at} == {passed[-1].at}
    assert activated.seq < drawn[0].seq
    excluded = set(drawn[0].data["excluded"])  # named with why (回避), never drawn
    text = str([e.data for e in events])
    assert not [x.id for x in ROSTER.examiners if x.id in text and x.id not in excluded]
    draws = DrawService(service, Drawer(book, key=DRAW_KEY))
    shown = draws.show(case_id, STEP)
    assert shown.status == "sealed" and shown.examiners == [] and shown.opens_at is not None
    assert shown.rounds[0].drawn is None and len(shown.rounds[0].commitment) == 64
