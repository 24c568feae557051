"""The licence library end to end on SQLite and PostgreSQL: a decision issues a certificate in
the same transaction; intake reads it (valid, missing, expired, revoked), a registry that does
not answer leaves the material to be verified, and a revocation after use marks the case."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from engine.access.accounts import Accounts
from engine.access.permissions import Forbidden
from engine.calendar import CalendarSet
from engine.cases.case import MaterialStatus
from engine.cases.overview import overview
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow
from engine.clock import as_utc
from engine.definitions.catalogue import Channel
from engine.definitions.loader import load_catalogue
from engine.errors import InputError
from engine.licences.service import Licences
from engine.licences.tables import Certificate, CertificateUse
from engine.notify.dispatch import Dispatcher
from engine.views.cases import WorkItemView
from tests.fixtures.cases import TZ, Clock
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.licences import (
    ENTERPRISE,
    EXPIRED_PROJECT,
    REVOKED_IN_REGISTRY,
    UTILITY_APPLICANT,
    library_service,
    licensed,
    permit,
    register,
)
from tests.fixtures.loopback import FAST, SECRET_ENV, Receiver, free_port, transports

REGISTRATION = "supervision-registration"  # the silent registry's material


def kinds(service: CaseService, case_id: str) -> list[str]:
    return [e.kind for e in service.timeline(case_id)]


def test_a_decision_puts_its_licence_into_the_library(service: CaseService) -> None:
    case_id = register(service)
    [certificate] = Licences(service).list(holder=ENTERPRISE)
    assert certificate.status == "valid"
    row = certificate
    assert (row.type, row.department, row.case) == (
        "enterprise-establishment",
        "approval-bureau",
        case_id,
    )
    assert (row.step, row.document) == ("registration-decision", "柳审企登字〔2026〕1号")
    assert row.holder_name == "柳州示例新创科技有限公司"
    assert "certificate.issued" in kinds(service, case_id)


def test_a_valid_licence_is_read_not_asked(service: CaseService, clock: Clock) -> None:
    register(service)
    clock.now += dt.timedelta(hours=20)  # the next morning
    view = service.submit("construction-permit", permit())
    assert view.status == "submitted" and view.correction is None
    licence = view.materials["business-licence"]
    assert licence.status == MaterialStatus.SUPPLIED
    assert licence.source == "library:enterprise-establishment"
    registration = view.materials["supervision-registration"]
    assert registration.source == "registry:construction-supervision"
    assert registration.reference == "registry:construction-supervision:JD-2026-0001"
    shared = [e for e in service.timeline(view.id) if e.kind == "material.shared"]
    assert {e.data["material"] for e in shared} == {"business-licence", "supervision-registration"}
    snapshot = service.load(view.id).materials["business-licence"]
    assert snapshot.record is not None and snapshot.record["holder"] == ENTERPRISE
    with Session(service.engine) as session:
        uses = session.exec(select(CertificateUse)).all()
    assert {(u.case_id, u.material) for u in uses} == {
        (view.id, "business-licence"),
        (view.id, "supervision-registration"),
    }


def test_a_missing_licence_is_asked_in_the_one_notice_with_the_reason(
    service: CaseService,
) -> None:
    view = service.submit("construction-permit", permit(project=EXPIRED_PROJECT))
    assert view.status == "correction"
    assert view.correction is not None
    assert set(view.correction.awaited) == {"business-licence", "supervision-registration"}
    [notice] = [n for n in view.notices if n.kind == "correction"]
    assert "建设单位营业执照（证照库无建设单位营业执照）" in notice.text
    assert "建设工程质量安全监督注册库无有效建设工程质量安全监督注册书" in notice.text
    assert "JD-2025-0102已过期" in notice.text


def test_an_expired_certificate_is_not_valid(service: CaseService, clock: Clock) -> None:
    with Session(service.engine) as session:
        session.add(
            Certificate(
                number="OLD-1",
                type="enterprise-establishment",
                holder=ENTERPRISE,
                valid_from=as_utc(dt.datetime(2016, 1, 4, tzinfo=TZ)),
                valid_to=as_utc(dt.datetime(2026, 11, 30, 23, 59, tzinfo=TZ)),
                department="approval-bureau",
            )
        )
        session.commit()
    view = service.submit("construction-permit", permit())
    assert view.status == "correction"
    [notice] = [n for n in view.notices if n.kind == "correction"]
    assert "证照库无有效建设单位营业执照（OLD-1已过期）" in notice.text
    assert Licences(service).show("OLD-1").status == "expired"


def test_a_revoked_licence_is_asked_with_the_reason(service: CaseService) -> None:
    register(service)
    [certificate] = Licences(service).list(holder=ENTERPRISE)
    number = certificate.number
    Licences(service).revoke(number, actor="zhou", reason="提交虚假材料取得登记")
    view = service.submit("construction-permit", permit())
    assert view.status == "correction"
    [notice] = [n for n in view.notices if n.kind == "correction"]
    assert f"证照库无有效建设单位营业执照（{number}已吊销）" in notice.text


def test_a_revoked_registry_record_is_asked_with_the_registrys_reason(
    service: CaseService,
) -> None:
    """No licence in the library: the enterprise registry is asked, and its revoked record
    is the reason the applicant is asked."""
    view = service.submit("construction-permit", permit(credit_code=REVOKED_IN_REGISTRY))
    assert view.correction is not None and "business-licence" in view.correction.awaited
    [notice] = [n for n in view.notices if n.kind == "correction"]
    assert "企业登记信息库无有效建设单位营业执照（450200000067890已吊销）" in notice.text


def test_a_licence_the_library_lacks_is_read_from_the_enterprise_registry(
    service: CaseService,
) -> None:
    view = service.submit("construction-permit", permit(credit_code=UTILITY_APPLICANT))
    licence = view.materials["business-licence"]
    assert licence.status == MaterialStatus.SUPPLIED
    assert licence.reference == "registry:enterprises:450200000012345"
    shared = {
        e.data["material"]: e.data["source"]
        for e in service.timeline(view.id)
        if e.kind == "material.shared"
    }
    assert shared["business-licence"] == "registry:enterprises"


def test_only_the_issuing_departments_head_revokes_and_with_a_reason(
    service: CaseService,
) -> None:
    register(service)
    licences = Licences(service)
    number = licences.list(holder=ENTERPRISE)[0].number
    with pytest.raises(Forbidden):
        licences.revoke(number, actor="chen", reason="x")  # a reviewer
    with pytest.raises(InputError):
        licences.revoke(number, actor="zhou", reason=" ")
    assert licences.show(number).status == "valid"


@pytest.fixture
def silent_registry() -> Iterator[str]:
    """A registry that takes the connection and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/lookup"


def test_a_source_that_does_not_answer_leaves_the_material_to_verify(
    db: sa.Engine, clock: Clock, calendars: CalendarSet, silent_registry: str
) -> None:
    service = library_service(
        db,
        clock,
        calendars,
        urls={"construction-supervision": silent_registry},
        timeout=0.3,
    )
    view = service.submit("construction-permit", permit())
    registration = view.materials["supervision-registration"]
    assert registration.status == MaterialStatus.TO_VERIFY
    [event] = [e for e in service.timeline(view.id) if e.kind == "material.to-verify"]
    assert event.data["task"] == "window"
    assert "未在时限内应答" in event.data["reason"]
    # not blocked: the business licence is simply missing (no library entry), the registry's
    # material is not asked of the applicant
    assert view.correction is not None
    assert "supervision-registration" not in view.correction.awaited


def test_art32_the_window_verifies_within_the_acceptance_window_lit_as_a_step(
    db: sa.Engine, clock: Clock, calendars: CalendarSet, silent_registry: str
) -> None:
    """A material to verify (待核验) is due when Art. 32's five working days from intake end,
    as the case's acceptance clock is; it turns yellow when that clock's ladder says, and red
    past due. Only a list that asks for a department's verifying holds it."""
    service = library_service(
        db, clock, calendars, urls={"construction-supervision": silent_registry}, timeout=0.3
    )
    licensed(db, ENTERPRISE)
    view = service.submit("construction-permit", permit())
    assert view.status == "submitted" and view.acceptance is not None

    def task() -> WorkItemView:
        listed = service.worklist("approval-bureau", verifying=["approval-bureau"])
        [item] = [w for w in listed if w.task == "verify-material"]
        return item

    item = task()
    assert item.material == "supervision-registration"
    # in Tuesday 12-01 10:00; the five working days are 12-02, 03, 04, 07 and 08
    assert item.due_at == dt.datetime(2026, 12, 8, 17, 30, tzinfo=TZ) == view.acceptance.due
    assert (item.light, item.overdue) == ("green", False)
    with Session(db) as session:
        row = session.get(CaseRow, view.id)
        assert row is not None and row.yellow_at is not None  # the acceptance clock's
        yellow = as_utc(row.yellow_at)
    clock.now = yellow - dt.timedelta(minutes=1)
    assert task().light == "green"
    clock.now = yellow
    assert task().light == "yellow"
    clock.now = dt.datetime(2026, 12, 8, 17, 31, tzinfo=TZ)
    late = task()
    assert (late.light, late.overdue, late.due_at) == ("red", True, item.due_at)
    assert not [w for w in service.worklist("approval-bureau") if w.task == "verify-material"]


def counting_plan(db: sa.Engine, count: Callable[[], object]) -> str:
    """SQLite's plan of the query on the cases' tasks to verify that `count` sends."""
    sent: list[tuple[str, Any]] = []

    def keep(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    sa.event.listen(db, "before_cursor_execute", keep)
    try:
        count()
    finally:
        sa.event.remove(db, "before_cursor_execute", keep)
    [(query, parameters)] = [s for s in sent if "cases.to_verify > 0" in s[0]]
    with db.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + query, parameters)
        return " / ".join(str(row[-1]) for row in plan)


def test_art32_the_overview_counts_the_windows_tasks_to_verify_by_department(
    db: sa.Engine, clock: Clock, calendars: CalendarSet, silent_registry: str
) -> None:
    """A task to verify counts in its window's department, overdue once its Art. 32 window
    has closed, as the worklist lights it; verified, it counts no more."""
    service = library_service(
        db, clock, calendars, urls={"construction-supervision": silent_registry}, timeout=0.3
    )
    Accounts(db, clock=clock).add("wang", role="window", department="approval-bureau")
    licensed(db, ENTERPRISE)
    first = service.submit("construction-permit", permit())  # Tuesday 12-01, due 12-08
    clock.now = dt.datetime(2026, 12, 2, 16, 0, tzinfo=TZ)
    second = service.submit("construction-permit", permit())  # due 12-09 17:30

    def counted(department: str | None = None, workflow: str | None = None) -> list[Any]:
        seen = overview(service, department=department, workflow=workflow).verifying
        return [(d.department, d.total, d.overdue) for d in seen]

    def late_on_the_worklist() -> int:
        listed = service.worklist("approval-bureau", verifying=["approval-bureau"])
        return sum(w.overdue for w in listed if w.task == "verify-material")

    assert counted() == [("approval-bureau", 2, 0)]
    if db.dialect.name == "sqlite":  # counted from the partial index, not every case
        assert "ix_cases_to_verify" in counting_plan(db, counted)
    clock.now = dt.datetime(2026, 12, 8, 17, 30, tzinfo=TZ)  # the first's due moment
    assert counted() == [("approval-bureau", 2, 0)] and late_on_the_worklist() == 0
    clock.now = dt.datetime(2026, 12, 8, 17, 31, tzinfo=TZ)
    assert counted() == [("approval-bureau", 2, 1)] and late_on_the_worklist() == 1
    assert counted(department="approval-bureau") == counted(workflow="construction-permit")
    assert counted(department="traffic-police") == counted(workflow="ride-hailing-dual-licence")
    assert counted(department="traffic-police") == []
    service.act(first.id, "verify-material", actor="wang", args={"items": [REGISTRATION]})
    assert counted() == [("approval-bureau", 1, 0)]
    clock.now = dt.datetime(2026, 12, 10, 9, 0, tzinfo=TZ)
    assert counted() == [("approval-bureau", 1, 1)] and late_on_the_worklist() == 1
    service.act(second.id, "verify-material", actor="wang", args={"items": [REGISTRATION]})
    assert counted() == []


def test_a_revocation_after_use_marks_the_case_and_tells_its_department(
    service: CaseService, clock: Clock
) -> None:
    issuing = register(service)
    relying = service.submit("construction-permit", permit()).id
    licences = Licences(service)
    number = licences.list(holder=ENTERPRISE)[0].number
    shown = licences.revoke(number, actor="zhou", reason="提交虚假材料取得登记")
    assert shown.status == "revoked"
    assert [(h.what, h.by) for h in shown.history] == [
        ("issued", issuing),
        ("used", relying),
        ("revoked", "zhou"),
    ]
    assert [u.case for u in shown.uses] == [relying]
    assert "certificate.changed" in kinds(service, issuing)
    events = service.timeline(relying)
    marked = [e for e in events if e.kind == "material.source-changed"]
    assert marked and marked[0].data["material"] == "business-licence"
    [told] = [e for e in events if e.kind == "department.notice"]
    assert told.data["department"] == "approval-bureau"
    assert "已被吊销" in told.data["text"]
    assert not service.verify(relying)  # the audit chain holds


def test_a_replaced_certificate_is_followed_by_its_successor(service: CaseService) -> None:
    register(service)
    licences = Licences(service)
    number = licences.list(holder=ENTERPRISE)[0].number
    new = licences.replace(number, actor="zhou", reason="变更登记换发")
    assert new.status == "valid"
    assert licences.show(number).status == "replaced"
    view = service.submit("construction-permit", permit())
    assert view.materials["business-licence"].reference == (
        f"library:enterprise-establishment:{new.number}"
    )


def test_the_plan_counts_what_the_applicant_no_longer_brings() -> None:
    from engine.definitions.plan import material_count
    from tests.fixtures.licences import WORKFLOWS

    counts = {w: material_count(WORKFLOWS[w], None) for w in WORKFLOWS}
    assert (counts["construction-permit"].supplied, counts["construction-permit"].library) == (4, 1)
    assert counts["construction-permit"].registry == 1
    assert counts["enterprise-establishment"].looked_up == 0


def test_a_revocation_after_use_reaches_the_relying_department_over_its_channel(
    service: CaseService, receiver: Receiver
) -> None:
    """The relying department's head hears of it through the notification dispatcher: once,
    signed, naming the case, the material, the certificate and the reason."""
    base = load_catalogue(DEFINITIONS)
    bureau = base.departments["approval-bureau"]
    hook = Channel(kind="webhook", url=receiver.url, secret_env=SECRET_ENV)
    told = bureau.model_copy(update={"channels": {"head": (hook,)}})
    catalogue = base.model_copy(update={"departments": {**base.departments, bureau.id: told}})
    dispatcher = Dispatcher(transports(smtp_port=free_port()), policy=FAST, clock=service.clock)
    licences = Licences(service, catalogue=catalogue, dispatcher=dispatcher)
    register(service)
    relying = service.submit("construction-permit", permit()).id
    number = licences.list(holder=ENTERPRISE)[0].number
    licences.revoke(number, actor="zhou", reason="提交虚假材料取得登记")
    [arrived] = receiver.accepted
    payload = json.loads(arrived.body)
    notice = payload["notice"]
    assert (notice["kind"], notice["case_id"]) == ("source-changed", relying)
    assert notice["detail"] == f"建设单位营业执照（{number}）已被吊销：提交虚假材料取得登记"
    assert "zhou" in {r["name"] for r in notice["recipients"]}  # the bureau's head, by name
    assert "【证照变更】" in payload["text"] and relying in payload["text"]
    with pytest.raises(InputError):
        licences.revoke(number, actor="zhou", reason="again")
    assert len(receiver.requests) == 1


@pytest.fixture
def slow_registry() -> Iterator[str]:
    """An HTTP registry on the loopback that answers, correctly, after 2 seconds."""

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(2)
            body = json.dumps({"found": True, "number": "JD-SLOW", "record": {}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError):  # intake stopped waiting long ago
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/lookup"
    server.shutdown()
    server.server_close()


def test_a_slow_registry_leaves_the_material_to_verify_for_the_window_and_says_so(
    db: sa.Engine, clock: Clock, calendars: CalendarSet, slow_registry: str
) -> None:
    """Bounded in time (0.5 s against a 2 s answer): intake does not wait, the case is not
    blocked, the window's task and the reason are in the case's events."""
    service = library_service(
        db, clock, calendars, urls={"construction-supervision": slow_registry}, timeout=0.5
    )
    licensed(db, ENTERPRISE)
    started = time.monotonic()
    view = service.submit("construction-permit", permit())
    assert time.monotonic() - started < 1.8  # did not wait for the answer
    assert view.status == "submitted" and view.correction is None  # not blocked
    assert view.materials["supervision-registration"].status == MaterialStatus.TO_VERIFY
    assert view.materials["business-licence"].status == MaterialStatus.SUPPLIED
    [event] = [e for e in service.timeline(view.id) if e.kind == "material.to-verify"]
    assert event.data == {
        "material": "supervision-registration",
        "source": "registry:construction-supervision",
        "reason": "建设工程质量安全监督注册库未在时限内应答",
        "task": "window",
    }
