"""The escalation index a command leaves on the case and step rows is the ladder's fresh plan.

Commands write only the rows they move (and reuse the case clock's stored value while the
promised clock stands as it was); this checks, after every command of whole cases (parallel
steps, a suspension and its resumption, an extension, one command at a time and in batches),
that the stored `next_escalation_at`, `due_at` and the moments each step turns yellow and red
equal what a full recomputation gives at the same moment, and are never later than it once
time has moved on.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from engine.cases.service import CaseService, Command
from engine.cases.tables import CaseRow, StepRow
from engine.clock import as_utc
from engine.demo.driver import Driver, next_commands, officer_name
from engine.escalation import index
from engine.escalation.firings import case_clock_keys, clock_key
from engine.views.cases import CaseView
from tests.fixtures.cases import Clock, service_for
from tests.fixtures.definitions import DEFINITIONS

CHECKED = {"ok": True, "findings": []}  # the background checks' answer


def stored_and_fresh(service: CaseService, case_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    case = service.load(case_id)
    workflow = service.workflows(case.workflow_id, case.workflow_version)
    calendar = service.calendars.get(case.calendar)
    now = service.clock()
    with Session(service.engine) as session:
        past = index.history(session, case_id)
        planned = index.planned(case, workflow, calendar, now, past, steps=list(case.steps))
        steps = index.stored_steps(session, [case_id])
        row = session.get(CaseRow, case_id)
        assert row is not None
        stored = {clock_key(case_id, None): as_utc(row.next_escalation_at)}
    for step_id, run in case.steps.items():
        stored[clock_key(case_id, step_id, run.attempt)] = steps[(case_id, step_id)]
    # the case row holds the soonest of the case's own clocks and self-acting deadlines
    fresh = {k: v for k, v in planned.items() if k not in case_clock_keys(case)}
    fresh[clock_key(case_id, None)] = index.case_next(case, calendar, planned, stored=None)
    return stored, fresh


def assert_fresh(service: CaseService, case_id: str, *, open_case: bool = True) -> None:
    stored, fresh = stored_and_fresh(service, case_id)
    assert stored == fresh
    assert any(v is not None for v in fresh.values()) is open_case  # the ladder is there
    assert_turns_fresh(service, case_id)


def assert_turns_fresh(service: CaseService, case_id: str) -> None:
    """Each step row's yellow and red moments are its clock's ladder marks (none while it
    stands still or once the step is closed)."""
    case = service.load(case_id)
    workflow = service.workflows(case.workflow_id, case.workflow_version)
    calendar = service.calendars.get(case.calendar)
    fresh = index.turning(case, workflow, calendar, service.clock(), steps=list(case.steps))
    with Session(service.engine) as session:
        rows = session.execute(
            sa.select(col(StepRow.step_id), col(StepRow.yellow_at), col(StepRow.red_at)).where(
                col(StepRow.case_id) == case_id
            )
        )
        stored = {step: (as_utc(yellow), as_utc(red)) for step, yellow, red in rows}
    assert stored == fresh
    for step_id, run in case.steps.items():  # a running clock on a ladder turns
        turns = run.status.open and run.clock is not None and not run.clock.suspended
        assert (stored[step_id][0] is not None) is bool(
            turns and workflow.ladder_for(workflow.step(step_id))
        )


def assert_never_late(service: CaseService, case_id: str) -> None:
    stored, fresh = stored_and_fresh(service, case_id)
    for key, wanted in fresh.items():
        if wanted is not None:
            assert stored[key] is not None and stored[key] <= wanted, key


def test_one_command_at_a_time_keeps_the_index_fresh(db: sa.Engine, clock: Clock) -> None:
    service = service_for(db, clock)
    application = json.loads(
        (DEFINITIONS / "samples" / "utility-external-works-long.json").read_text()
    )
    workflow = service.workflows("utility-external-works", None)
    view = service.submit("utility-external-works", application)
    view = Driver(service).accept(view, workflow)
    assert_fresh(service, view.id)
    active = [s.id for s in view.steps if s.status == "active"]
    first = workflow.step(active[0])
    reviewer = officer_name(first.department, "reviewer")
    head = officer_name(first.department, "head")
    service.act(view.id, "suspend", actor=reviewer, args={"step": first.id, "reason": "专家评审"})
    assert_fresh(service, view.id)
    clock.now += dt.timedelta(days=1)
    assert_never_late(service, view.id)
    service.act(view.id, "resume", actor=reviewer, args={"step": first.id})
    assert_fresh(service, view.id)
    service.act(
        view.id, "extend", actor=head, args={"step": first.id, "days": 2, "reason": "需现场踏勘"}
    )
    assert_fresh(service, view.id)

    def check(shown: CaseView) -> None:
        assert_fresh(service, shown.id)

    after = Driver(service).run(service.show(view.id), workflow, on_round=check)
    assert after.status == "completed"
    assert_fresh(service, view.id, open_case=False)


def test_batches_keep_the_index_fresh(db: sa.Engine, clock: Clock) -> None:
    service = service_for(db, clock)
    application = json.loads(
        (DEFINITIONS / "samples" / "ride-hailing-dual-licence.json").read_text()
    )
    workflow = service.workflows("ride-hailing-dual-licence", None)
    ids = [service.submit("ride-hailing-dual-licence", application).id for _ in range(3)]
    owner = officer_name(workflow.owner, "window")
    service.act_many([Command(i, "accept", owner) for i in ids])
    for case_id in ids:
        assert_fresh(service, case_id)
    for _ in range(20):  # every open step's next signer, all cases in one batch
        views = [service.show(case_id) for case_id in ids]
        if all(v.status == "completed" for v in views):
            break
        clock.now += dt.timedelta(hours=2)
        commands = [c for v in views for c in next_commands(v, workflow, check_result=CHECKED)]
        assert commands
        outcomes = service.act_many(commands)
        assert all(isinstance(o, CaseView) for o in outcomes), outcomes
        for case_id in ids:
            assert_fresh(service, case_id, open_case=service.show(case_id).status != "completed")
    assert all(service.show(case_id).status == "completed" for case_id in ids)
