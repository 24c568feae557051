"""The sweep on SQLite and PostgreSQL with real deliveries: a step climbs yellow → red →
supervision across the National Day holiday, each notice arriving once, in Chinese, with the
calendar's own figures; extensions and suspensions move the ladder; downtime fires late, a step
accepted after hours is warned at once and not as after downtime; a sweep of given cases leaves
the others alone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.service import CaseService
from engine.cases.tables import EscalationRow, StepRow
from engine.clock import as_utc
from engine.definitions.model import Workflow
from engine.escalation.sweep import Supervision
from engine.notify.dispatch import Dispatcher
from engine.notify.signature import verify
from tests.fixtures.cases import Clock
from tests.fixtures.definitions import departments
from tests.fixtures.loopback import FAST, SECRET_ENV, Mailbox, Receiver, transports
from tests.fixtures.road_works import APPLICATION, road_works, with_step
from tests.fixtures.supervision import MUNICIPAL_HEAD_MAIL, USERS, at, catalogue, make_service


def levels(supervision: Supervision, **moment: Any) -> list[tuple[str | None, str]]:
    report = supervision.sweep(at=at(**moment)) if moment else supervision.sweep()
    return [(f.step_id, f.level) for f in report.fired]


def next_at(service: CaseService, case_id: str, step_id: str) -> Any:
    with Session(service.engine) as session:
        row = session.get(StepRow, (case_id, step_id))
        assert row is not None
        return as_utc(row.next_escalation_at)


def body(mail: Any) -> str:
    return str(mail.get_content())


def test_yellow_red_supervision_across_national_day_each_delivered_once(
    service: CaseService,
    supervision: Supervision,
    accepted: Callable[[], str],
    calendars: CalendarSet,
    smtp: Mailbox,
    receiver: Receiver,
    frozen: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv(SECRET_ENV, "s3cret-for-tests")
    case_id = accepted()  # Tuesday 9-29 10:00: municipal has 3 working days, due 10-09
    service.act(case_id, "approve", actor="zhao", args={"step": "traffic"})
    assert supervision.sweep().fired == []
    assert next_at(service, case_id, "municipal") == at(10, 8, 17, 30)

    frozen.move_to(at(10, 8))  # the day after the holiday, past close: one day left
    assert levels(supervision) == [("municipal", "yellow")]
    assert levels(supervision) == []  # exactly once
    [mail] = smtp.messages
    assert mail["To"] == MUNICIPAL_HEAD_MAIL
    assert mail["Subject"] == f"【黄牌预警】水电气外线工程 · 占用挖掘城市道路审批 · {case_id}"
    clock = service.load(case_id).steps["municipal"].clock
    assert clock is not None
    reading = clock.read(calendars.get("cn"), at(10, 8))
    assert (reading.remaining_working_days, reading.remaining_minutes) == (1, 420)
    text = body(mail)
    assert f"案件编号：{case_id}" in text
    assert "环节：占用挖掘城市道路审批（municipal）" in text
    assert "办理期限：2026年10月9日 17:30（UTC+08:00）" in text
    assert "剩余时间：1个工作日（工作时间7小时）" in text
    assert "补发" not in text and "预计期限" not in text

    frozen.move_to(at(10, 9))
    assert levels(supervision) == [("municipal", "red")]
    assert len(smtp.messages) == 2
    assert "【红牌】" in smtp.messages[1]["Subject"]
    assert "已超过办理期限" in body(smtp.messages[1]) and "剩余时间" not in body(smtp.messages[1])
    assert receiver.requests == []

    frozen.move_to(at(10, 10))  # Saturday, a make-up working day (调休上班)
    assert levels(supervision) == [("municipal", "supervision")]
    assert levels(supervision) == []
    [request] = receiver.requests
    timestamp = request.headers["X-Onething-Timestamp"]
    assert verify(
        "s3cret-for-tests",
        request.body,
        timestamp=int(timestamp),
        signature=request.headers["X-Onething-Signature"],
        now=int(timestamp),
    )
    payload = json.loads(request.body)
    assert payload["subject"].startswith("【督办】")
    assert payload["notice"]["case_id"] == case_id
    assert payload["notice"]["overdue"] == {"days": 1, "minutes": 420}
    assert "已超期：1个工作日（工作时间7小时）" in payload["text"]
    assert len(smtp.messages) == 2

    timeline = [e for e in service.timeline(case_id) if e.kind == "escalation.fired"]
    assert [e.data["level"] for e in timeline] == ["yellow", "red", "supervision"]
    assert service.verify(case_id) == []


def test_downtime_fires_the_missed_levels_late_and_says_so(
    service: CaseService,
    supervision: Supervision,
    accepted: Callable[[], str],
    smtp: Mailbox,
    frozen: Any,
) -> None:
    case_id = accepted()
    frozen.move_to(at(10, 12, 9, 30))  # down from 9-29 to Monday 10-12
    report = supervision.sweep()
    fired = [(f.step_id, f.level) for f in report.fired if f.step_id == "municipal"]
    assert fired == [("municipal", "yellow"), ("municipal", "red"), ("municipal", "supervision")]
    late = {f.level: f.late_by for f in report.fired if f.step_id == "municipal"}
    assert late["supervision"] is not None and late["supervision"].total_seconds() > 3600
    head_mail = [m for m in smtp.messages if "占用挖掘城市道路审批" in m["Subject"]]
    assert len(head_mail) == 2  # yellow and red to the municipal head
    assert all("补发：系统停机后补发" in body(m) for m in head_mail)
    with Session(service.engine) as session:
        rows = session.exec(select(EscalationRow).where(EscalationRow.step_id == "municipal")).all()
        assert {r.level: r.late_by_seconds is not None for r in rows} == {
            "yellow": True,
            "red": True,
            "supervision": True,
        }
    assert case_id


def test_an_extension_moves_the_pending_levels(
    service: CaseService, supervision: Supervision, accepted: Callable[[], str], frozen: Any
) -> None:
    case_id = accepted()
    service.act(case_id, "approve", actor="zhao", args={"step": "traffic"})
    service.act(
        case_id,
        "extend",
        actor="he",
        args={"step": "municipal", "days": 2, "reason": "需要现场踏勘 (Art. 42)"},
    )
    assert next_at(service, case_id, "municipal") == at(10, 10, 17, 30)  # 10-08 + 2 days
    frozen.move_to(at(10, 8))
    assert levels(supervision) == []
    frozen.move_to(at(10, 10))
    assert levels(supervision) == [("municipal", "yellow")]
    frozen.move_to(at(10, 12))  # due 10-09 + 2 working days (Saturday 10-10 is one)
    assert levels(supervision) == [("municipal", "red")]


def test_a_suspended_clock_does_not_escalate_and_resumes_with_the_ladder_moved(
    service: CaseService, supervision: Supervision, accepted: Callable[[], str], frozen: Any
) -> None:
    case_id = accepted()
    service.act(case_id, "approve", actor="zhao", args={"step": "traffic"})
    frozen.move_to(at(9, 30, 10, 0))
    service.act(case_id, "suspend", actor="liu", args={"step": "municipal", "reason": "专家评审"})
    assert next_at(service, case_id, "municipal") is None
    frozen.move_to(at(10, 20))
    assert levels(supervision) == []
    frozen.move_to(at(10, 20, 10, 0))
    service.act(case_id, "resume", actor="liu", args={"step": "municipal"})
    # stopped from 9-30 10:00 to 10-20 10:00: 10 working days (10-08..10-10, 10-12..10-16, 10-19,
    # 10-20 morning rounds up), so yellow moves from 10-08 to the 10th working day after it
    moved = next_at(service, case_id, "municipal")
    assert moved is not None and moved > at(10, 20)
    frozen.move_to(moved)
    assert levels(supervision) == [("municipal", "yellow")]


def test_ack_and_order_then_accountability_at_the_order_date(
    service: CaseService,
    supervision: Supervision,
    accepted: Callable[[], str],
    frozen: Any,
    smtp: Mailbox,
) -> None:
    case_id = accepted()
    service.act(case_id, "approve", actor="zhao", args={"step": "traffic"})
    frozen.move_to(at(10, 10))
    supervision.sweep()
    [red] = [e for e in supervision.escalations(case_id=case_id) if e.level == "red"]
    acked = supervision.acknowledge(red.id, actor="he")
    assert acked.acknowledged_by == "he"
    order = supervision.order(red.id, actor="qian", due=at(10, 21).date())
    assert (order.level, order.ordered_by) == ("order", "qian")
    assert order.order_due == at(10, 21, 17, 30)
    assert order.order_due is not None and order.order_due.utcoffset() == dt.timedelta(hours=8)
    assert sorted(d.channel for d in order.delivered) == ["email", "log"]
    ordered = [m for m in smtp.messages if "【限期办结】" in m["Subject"]]
    assert len(ordered) == 1 and "办理期限：2026年10月21日 17:30（UTC+08:00）" in body(ordered[0])
    kinds = [e.kind for e in service.timeline(case_id)]
    assert "escalation.acknowledged" in kinds and "escalation.ordered" in kinds
    frozen.move_to(at(10, 21, 17, 31))
    fired = levels(supervision)
    assert ("municipal", "accountability") in fired
    assert service.verify(case_id) == []


def test_a_level_due_before_the_next_sweep_survives_a_write_to_the_case(
    service: CaseService, supervision: Supervision, accepted: Callable[[], str], frozen: Any
) -> None:
    case_id = accepted()
    frozen.move_to(at(10, 8))  # municipal's yellow is due; no sweep has run yet
    service.act(case_id, "approve", actor="zhao", args={"step": "traffic"})
    assert next_at(service, case_id, "municipal") == at(10, 8, 17, 30)
    assert levels(supervision) == [("municipal", "yellow")]
    assert next_at(service, case_id, "municipal") == at(10, 9, 17, 30)


def fired_rows(service: CaseService, case_id: str) -> list[tuple[str | None, str]]:
    """The case's escalation rows and `escalation.fired` events: (step, level) of each."""
    with Session(service.engine) as session:
        rows = session.exec(select(EscalationRow).where(EscalationRow.case_id == case_id)).all()
    events = [e for e in service.timeline(case_id) if e.kind == "escalation.fired"]
    return [(r.step_id, r.level) for r in rows] + [
        (e.data["step"], e.data["level"]) for e in events
    ]


def test_a_sweep_of_given_cases_fires_on_those_alone(
    service: CaseService, supervision: Supervision, accepted: Callable[[], str], frozen: Any
) -> None:
    mine, theirs = accepted(), accepted()  # the same clocks: due at the same moments
    frozen.move_to(at(10, 12))  # every level up to supervision is due on both
    assert supervision.sweep(cases=[], dry_run=True).fired == []
    forecast = supervision.sweep(cases=[mine], dry_run=True)
    assert {f.case_id for f in forecast.fired} == {mine} and forecast.cases == 1
    report = supervision.sweep(cases=[mine, mine])
    assert report.cases == 1 and {f.case_id for f in report.fired} == {mine}
    assert ("municipal", "supervision") in [(f.step_id, f.level) for f in report.fired]
    assert len(fired_rows(service, mine)) == 2 * len(report.fired)  # a row and an event each
    assert fired_rows(service, theirs) == []
    assert next_at(service, theirs, "municipal") == at(10, 8, 17, 30)  # still due
    everyone = supervision.sweep()  # without `cases`: every case, and `mine` has fired
    assert {f.case_id for f in everyone.fired} == {theirs}
    assert service.verify(mine) == [] and service.verify(theirs) == []


def test_a_step_accepted_after_hours_is_warned_at_once_and_not_as_after_downtime(
    db: sa.Engine, calendars: CalendarSet, smtp: Mailbox, receiver: Receiver
) -> None:
    data = road_works(escalation=departments().escalation)
    workflow = Workflow.model_validate(with_step(data, "municipal", limit="1 working-days"))
    service = make_service(db, calendars, workflow)
    clock = Clock(at(12, 1, 22, 44))  # Tuesday evening, long after the 17:30 close
    service.clock = clock
    for name, role, department in USERS:
        Accounts(service.engine, clock=service.clock).add(name, role=role, department=department)
    case_id = service.submit("road-works", APPLICATION).id
    service.act(case_id, "accept", actor="wang")
    # municipal is due Wednesday's close; one working day before it is Tuesday's close, the
    # working minute of the acceptance itself: yellow is due from 22:44, never from 17:30
    assert next_at(service, case_id, "municipal") == as_utc(at(12, 1, 22, 44))
    supervision = Supervision(
        service,
        catalogue=catalogue(receiver.url),
        dispatcher=Dispatcher(transports=transports(smtp_port=smtp.port), policy=FAST),
    )
    clock.now = at(12, 1, 22, 48) + dt.timedelta(seconds=12)  # the next sweep
    report = supervision.sweep()
    assert [(f.step_id, f.level) for f in report.fired] == [("municipal", "yellow")]
    [yellow] = report.fired
    assert yellow.scheduled_at == at(12, 1, 22, 44) and yellow.late_by is None
    [mail] = smtp.messages
    assert mail["To"] == MUNICIPAL_HEAD_MAIL and "【黄牌预警】" in mail["Subject"]
    assert "补发" not in body(mail) and "剩余时间：1个工作日" in body(mail)
    with Session(service.engine) as session:
        [row] = session.exec(select(EscalationRow).where(EscalationRow.case_id == case_id)).all()
    assert row.late_by_seconds is None
    [event] = [e for e in service.timeline(case_id) if e.kind == "escalation.fired"]
    assert event.data["late_by_seconds"] is None
    assert event.data["scheduled_at"] == at(12, 1, 22, 44).isoformat()


def test_a_sweep_in_batches_of_one_visits_each_case_once_and_keeps_no_level(
    service: CaseService, supervision: Supervision, accepted: Callable[[], str], frozen: Any
) -> None:
    """The due cases are read a batch at a time after the last one's key: with a batch of one,
    a forecast (which moves no index) still lists each level once, and the real sweep fires
    exactly those, handing each over (`each`) instead of keeping it."""
    cases = [accepted() for _ in range(3)]  # each with two steps due: several index rows a case
    frozen.move_to(at(10, 12))
    whole = sorted((f.case_id, f.step_id, f.level) for f in supervision.sweep(dry_run=True).fired)
    supervision.batch = 1
    forecast: list[Any] = []
    dry = supervision.sweep(dry_run=True, each=forecast.append)
    assert dry.fired == [] and dry.cases == 3 and dry.levels == len(forecast) == len(whole)
    assert sorted((f.case_id, f.step_id, f.level) for f in forecast) == whole
    fired: list[Any] = []
    report = supervision.sweep(each=fired.append)
    assert report.fired == [] and report.levels == len(whole) and report.cases == 3
    assert sorted((f.case_id, f.step_id, f.level) for f in fired) == whole
    assert all(f.escalation_id is not None for f in fired)
    assert sum(len(fired_rows(service, c)) for c in cases) == 2 * len(whole)
    assert supervision.sweep().levels == 0  # once
