"""A worklist (待办) lists open steps by urgency: running clocks red, yellow, green, each by
remaining working time (the earliest due first); clocks standing still (waiting on the
applicant) after every running one; page by page from the step a page ended with."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from engine.cases.overview import LIGHTS, overview
from engine.cases.tables import StepRow
from engine.clock import as_utc
from engine.definitions import load_catalogue
from engine.demo.driver import Driver, officer_name
from engine.errors import InputError
from engine.escalation.sweep import Supervision
from engine.views.cases import WorkItemView
from tests.fixtures.cases import Clock, service_for
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.week import MONDAY, seeded_week

FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


def urgency(item: WorkItemView) -> tuple[bool, int, dt.datetime, str, str]:
    return (
        item.suspended,
        -LIGHTS.index(item.light),
        item.due_at or FAR,
        item.case,
        item.step,
    )


def test_the_worklist_lists_red_yellow_green_then_stopped_clocks(db: sa.Engine) -> None:
    service, _ = seeded_week(db, Clock(MONDAY))
    items = service.worklist()
    assert {w.light for w in items} == set(LIGHTS)  # every light is there to be ordered
    stopped = [w for w in items if w.suspended]
    assert stopped and not items[0].suspended
    # the stopped clock's due time is earlier than a running yellow or green one's: by due
    # time alone it would come before them
    running = [w for w in items if not w.suspended and w.light != "red" and w.due_at]
    assert any(s.due_at and s.due_at < r.due_at for s in stopped for r in running if r.due_at)
    assert items == sorted(items, key=urgency)
    assert items[-len(stopped) :] == stopped


def test_the_worklist_pages_follow_on_from_the_step_a_page_ended_with(db: sa.Engine) -> None:
    service, _ = seeded_week(db, Clock(MONDAY))
    whole = service.worklist()
    pages: list[WorkItemView] = []
    after = None
    while page := service.worklist(limit=3, after=after):
        pages += page
        after = (page[-1].case, page[-1].step)
    assert pages == whole and len(whole) > 3
    department = whole[0].department
    mine = service.worklist(department)
    assert mine == [w for w in whole if w.department == department]
    with pytest.raises(InputError, match="no step 'nope'"):
        service.worklist(after=(whole[0].case, "nope"))


def test_art42_an_extended_step_is_green_again_though_its_yellow_level_fired(
    db: sa.Engine,
) -> None:
    """Its light follows the deadline as extended, not the warning fired on the earlier one."""
    clock = Clock(MONDAY)
    service = service_for(db, clock)
    supervision = Supervision(service, catalogue=load_catalogue(DEFINITIONS))
    sample = DEFINITIONS / "samples" / "utility-external-works-long.json"
    workflow = service.workflows("utility-external-works", None)
    view = service.submit(workflow.id, json.loads(sample.read_text()))
    view = Driver(service).accept(view, workflow)
    step = workflow.step(next(s.id for s in view.steps if s.status == "active"))

    def light() -> tuple[str, tuple[int, int]]:
        """The step's light on its department's worklist, and the department's (green,
        yellow) as the overview counts them."""
        item = next(w for w in service.worklist(step.department) if w.step == step.id)
        mine = overview(service, department=step.department).departments
        return item.light, (mine[0].green, mine[0].yellow)

    with Session(db) as session:
        row = session.get(StepRow, (view.id, step.id))
        assert row is not None and row.yellow_at is not None
        clock.now = as_utc(row.yellow_at) + dt.timedelta(minutes=1)
    fired = supervision.sweep().view().fired
    assert (view.id, step.id, "yellow") in [(f.case, f.step, f.level) for f in fired]
    warned, (green, yellow) = light()
    assert warned == "yellow" and yellow >= 1
    head = officer_name(step.department, "head")
    service.act(
        view.id, "extend", actor=head, args={"step": step.id, "days": 5, "reason": "需现场踏勘"}
    )
    assert light() == ("green", (green + 1, yellow - 1))
    extended = service.show(view.id).step(step.id).clock
    assert extended is not None and extended.extended_days == 5
