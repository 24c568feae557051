"""The draw end to end on real stores: when a long utility job's site inspection becomes
active the engine draws its examiners (as the system) from the audited roster, sealed; only
commitments show until the bureau's head opens it at the inspection time; the step completes
when both examiners record findings; `verify` detects each kind of tampering."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.access.accounts import Accounts
from engine.access.permissions import Forbidden, Post, Principal, Role
from engine.calendar import CalendarSet
from engine.cases.audit import canonical
from engine.cases.errors import IllegalAction, NotPermitted
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow, EventRow
from engine.definitions.loader import load_application, load_catalogue, load_workflow
from engine.draw.book import RosterChangeRow, change_hash
from engine.draw.drawer import NO_KEY
from engine.draw.roster import Change
from engine.draw.service import DrawService
from engine.errors import InputError
from tests.fixtures.cases import TZ, Clock
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.draws import ADMIN, ROSTER, drawer_over
from tests.fixtures.licences import licensed

STEP = "site-inspection"
WORKFLOW = load_workflow(
    DEFINITIONS / "workflows" / "utility-external-works.yaml", load_catalogue(DEFINITIONS)
)
APPLICATION = load_application(
    DEFINITIONS / "samples" / "utility-external-works-site-inspection.json", WORKFLOW
)
CONFLICTED = {"examiner-zhang", "examiner-zhao"}  # employer; inspected the applicant in 2026


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ))  # a Tuesday


def _service(db: sa.Engine, clock: Clock, calendars: CalendarSet, **drawer: object) -> DrawService:
    licensed(db)  # the applicant's business licence is in the library
    draw = drawer_over(db, clock, **drawer)  # type: ignore[arg-type]
    cases = CaseService(
        db,
        workflows=lambda _id, _v: WORKFLOW,
        calendars=calendars,
        clock=clock,
        reaction=draw,
    )
    return DrawService(cases, draw)


@pytest.fixture
def draws(db: sa.Engine, clock: Clock, calendars: CalendarSet) -> DrawService:
    people = [("window", "window", "approval-bureau"), ("head", "head", "approval-bureau")]
    people += [("reviewer", "reviewer", "approval-bureau"), ("muni", "reviewer", "municipal")]
    people += [(e.id, "reviewer", e.department) for e in ROSTER.examiners]
    for name, role, department in people:
        Accounts(db, clock=clock).add(name, role=role, department=department)
    return _service(db, clock, calendars)


def _at_inspection(draws: DrawService) -> str:
    """A case whose approvals make the site inspection active (and so drawn)."""
    cases = draws.cases
    case_id = cases.submit(WORKFLOW.id, APPLICATION).id
    cases.act(case_id, "accept", actor="window")
    for step in ("road-occupation", "road-digging"):
        cases.act(case_id, "approve", actor="muni", args={"step": step})
    assert cases.load(case_id).steps[STEP].status.value == "active"
    return case_id


def _identities(text: str) -> set[str]:
    return {e.id for e in ROSTER.examiners if e.id in text}


def test_art34_the_engine_draws_when_the_inspection_becomes_active_sealed_until_opened(
    draws: DrawService, clock: Clock
) -> None:
    case_id = _at_inspection(draws)
    view = draws.show(case_id, STEP)
    assert view.status == "sealed" and view.rounds[0].drawn is None and view.examiners == []
    assert len(view.rounds[0].commitment) == 64
    # the scheduled inspection: the start of business of the next working day
    assert view.opens_at == dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    timeline = draws.cases.timeline(case_id)
    drawn = [(e.kind, e.actor) for e in timeline if e.kind.startswith("draw.")]
    assert drawn == [("draw.eligible", "system"), ("draw.seed", "system")] + [
        ("draw.sealed", "system")
    ]
    activated = next(e for e in timeline if e.kind == "step.activated" and e.data["step"] == STEP)
    assert activated.actor == "muni"  # the approval made it active; the engine drew after it
    eligible_event = next(e for e in timeline if e.kind == "draw.eligible")
    assert set(eligible_event.data["excluded"]) == CONFLICTED
    # every read path before the opening: the draw view, the case view, the timeline
    shown = view.model_dump_json() + draws.cases.show(case_id).model_dump_json()
    shown += json.dumps(
        [e.data for e in timeline if not e.data.get("excluded")], ensure_ascii=False
    )
    assert _identities(shown) == set()
    with pytest.raises(IllegalAction, match="already drawn"):
        draws.draw(case_id, STEP, actor="head")
    # too early, and the wrong role: refused, nothing changes
    with pytest.raises(IllegalAction, match="scheduled inspection time"):
        draws.open(case_id, STEP, actor="head")
    clock.now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    with pytest.raises(NotPermitted):
        draws.open(case_id, STEP, actor="reviewer")
    opened = draws.open(case_id, STEP, actor="head")
    assert opened.status == "opened" and len(opened.examiners) == 2
    assert not set(opened.examiners) & CONFLICTED
    assert [(e.kind, e.actor) for e in draws.cases.timeline(case_id)][-1] == (
        "draw.opened",
        "head",
    )
    report = draws.verify(case_id, STEP)
    assert report.ok, report.checks
    assert {"roster", "conflict rules", "roster log", "selection", "commitment"} <= {
        c.name for c in report.checks
    }
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
    clock.now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    first, second = draws.open(case_id, STEP, actor="head").examiners
    view = draws.decline(case_id, STEP, actor="head", examiner=first, reason="因病不能到场")
    assert view.status == "sealed" and view.rounds[1].reason.endswith("因病不能到场")
    assert view.examiners == [second]
    logged = [(e.kind, e.actor) for e in draws.cases.timeline(case_id)][-4:]
    assert logged == [  # the engine draws the replacement, in the decline's transaction
        ("draw.declined", "head"),
        ("draw.eligible", "system"),
        ("draw.seed", "system"),
        ("draw.sealed", "system"),
    ]
    view = draws.open(case_id, STEP, actor="head")
    assert len(view.examiners) == 2 and first not in view.examiners
    assert draws.verify(case_id, STEP).ok


def test_an_examiner_withdraws_themself_and_no_one_else_but_the_head(
    draws: DrawService, clock: Clock
) -> None:
    case_id = _at_inspection(draws)
    clock.now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    first, second = draws.open(case_id, STEP, actor="head").examiners
    before = draws.cases.revision(case_id)
    for actor, examiner in (("reviewer", "reviewer"), ("head", "head"), (second, first)):
        with pytest.raises(NotPermitted):
            draws.decline(case_id, STEP, actor=actor, examiner=examiner, reason="回避")
    assert draws.cases.revision(case_id) == before
    view = draws.decline(case_id, STEP, actor=first, examiner=first, reason="与申请人有亲属关系")
    assert view.status == "sealed" and view.declined == {first: "与申请人有亲属关系"}
    assert view.rounds[1].reason.endswith("与申请人有亲属关系")
    sealed = [e for e in draws.cases.timeline(case_id) if e.kind == "draw.sealed"]
    assert [e.actor for e in sealed] == ["system", "system"]
    with pytest.raises(NotPermitted):  # a declined examiner records no findings
        draws.record_finding(case_id, STEP, actor=first, text="同意")


def _tamper(draws: DrawService, case_id: str, change: str) -> None:
    with Session(draws.cases.engine) as session:
        if change == "log":
            event = session.exec(select(EventRow).where(EventRow.kind == "draw.sealed")).one()
            data = json.loads(event.data)
            data["commitment"] = "0" * 64
            event.data = json.dumps(data)
            session.add(event)
        elif change.startswith("roster log"):
            # a relation slipped into the roster's history: edited in place, or rewritten with
            # the chain recomputed (then the pool no longer hashes to what the case logged)
            rows = list(session.exec(select(RosterChangeRow).order_by(col(RosterChangeRow.seq))))
            target = next(r for r in rows if r.examiner == "examiner-li")
            data = json.loads(target.data)
            data["relatives"] = ["91450200MA5K8Q3L77"]
            target.data = canonical(data)
            if change == "roster log rewritten":
                prev = target.prev_hash
                for later in rows[rows.index(target) :]:
                    later.prev_hash, later.hash = prev, change_hash(later, prev)
                    prev = later.hash
                    session.add(later)
            session.add(target)
        else:
            row = session.get(CaseRow, case_id)
            assert row is not None
            snapshot = json.loads(row.snapshot)
            step = next(s for s in snapshot["steps"] if s["step_id"] == STEP)
            record = step["result"]["draw"]["rounds"][0]
            if change == "sealed":
                record["sealed"] = record["sealed"][:-4] + "AAAA"
            elif change == "eligible":
                record["opened"]["eligible"].append("examiner-zhang")
            elif change == "drawn":
                record["opened"]["drawn"][0] = "examiner-zhang"
            row.snapshot = json.dumps(snapshot, ensure_ascii=False)
            session.add(row)
        session.commit()


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        ("sealed", "sealed record"),
        ("eligible", "eligible list"),
        ("drawn", "selection"),
        ("log", "commitment"),
        ("roster log", "roster log"),
        ("roster log rewritten", "roster"),
    ],
)
def test_verify_detects_tampering(
    draws: DrawService, clock: Clock, change: str, failed: str
) -> None:
    case_id = _at_inspection(draws)
    clock.now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    draws.open(case_id, STEP, actor="head")
    assert draws.verify(case_id, STEP).ok
    _tamper(draws, case_id, change)
    report = draws.verify(case_id, STEP)
    assert not report.ok
    assert failed in {c.name for c in report.checks if not c.ok}, report.checks


def test_too_few_eligible_is_an_incident_naming_why_then_a_head_draws_again(
    draws: DrawService, clock: Clock
) -> None:
    off = [e.id for e in ROSTER.examiners if e.id not in ("examiner-li", "examiner-zhang")]
    draws.drawer.book.change(ADMIN, [Change("disable", "approval-bureau", e) for e in off])
    short = draws
    case_id = _at_inspection(short)
    view = short.show(case_id, STEP)
    assert view.status == "not drawn" and view.rounds == []
    timeline = short.cases.timeline(case_id)
    incident = [e for e in timeline if e.kind == "step.incident"][-1]
    assert incident.actor == "system" and "1 eligible, 2 needed" in incident.data["message"]
    eligible = next(e for e in timeline if e.kind == "draw.eligible")
    assert list(eligible.data["excluded"]) == ["examiner-zhang"]
    assert short.cases.load(case_id).steps[STEP].status.value == "active"
    # the roster grows (audited), and the head draws again: its own round, with its reason
    short.drawer.book.change(ADMIN, [Change("add", "approval-bureau", "examiner-sun")])
    again = short.draw(case_id, STEP, actor="head")
    assert again.status == "sealed" and again.rounds[0].reason.startswith("第2次抽取")
    clock.now = again.opens_at or clock.now
    assert set(short.open(case_id, STEP, actor="head").examiners) == {
        "examiner-li",
        "examiner-sun",
    }
    assert short.verify(case_id, STEP).ok


def test_without_a_sealing_key_the_engine_draws_nothing_and_says_why(
    draws: DrawService, db: sa.Engine, clock: Clock, calendars: CalendarSet
) -> None:
    keyless = _service(db, clock, calendars, key=None, roster=None)
    case_id = _at_inspection(keyless)
    incident = [e for e in keyless.cases.timeline(case_id) if e.kind == "step.incident"][-1]
    assert incident.data["message"] == NO_KEY and incident.actor == "system"
    assert keyless.show(case_id, STEP).status == "not drawn"


def test_the_roster_is_changed_by_its_departments_admin_or_head_and_each_change_is_audited(
    draws: DrawService, clock: Clock
) -> None:
    book = draws.drawer.book
    head = Principal("head", (Post(Role.HEAD, "approval-bureau"),))
    book.change(head, [Change("disable", "approval-bureau", "examiner-li", {"reason": "调岗"})])
    relate = {"relatives": ["91450200MA5K8Q3L77"]}
    book.change(ADMIN, [Change("relate", "approval-bureau", "examiner-wang", relate)])
    for outsider in (
        Principal("reviewer", (Post(Role.REVIEWER, "approval-bureau"),)),
        Principal("other-admin", (Post(Role.ADMIN, "municipal"),)),
    ):
        with pytest.raises(Forbidden):
            book.change(outsider, [Change("enable", "approval-bureau", "examiner-li")])
    with pytest.raises(InputError, match="already disabled"):
        book.change(head, [Change("disable", "approval-bureau", "examiner-li")])
    history = book.history("approval-bureau")
    assert [(r.kind, r.actor) for r in history[-2:]] == [
        ("disable", "head"),
        ("relate", ADMIN.name),
    ]
    case_id = _at_inspection(draws)
    excluded = next(e for e in draws.cases.timeline(case_id) if e.kind == "draw.eligible").data[
        "excluded"
    ]
    assert {"examiner-wang"} | CONFLICTED <= set(excluded)  # the declared relative's company
    assert "examiner-li" not in excluded  # disabled: not in the pool at all
    clock.now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
    opened = draws.open(case_id, STEP, actor="head").examiners
    assert not {"examiner-li", "examiner-wang"} & set(opened)
    assert draws.verify(case_id, STEP).ok
