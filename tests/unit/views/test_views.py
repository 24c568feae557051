"""The typed public views: what the CLI's --json, the API and the flows show. Every moment a
user sees is local time in the calendar's zone with its offset, even when the engine or the
store hands it over in UTC; a case view comes back unchanged from its JSON (the idempotency
record replays it)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from engine.calendar import WorkingCalendar
from engine.cases.acceptance import acceptance_due
from engine.cases.tables import EscalationRow, NegativeRow
from engine.definitions.model import Workflow
from engine.views.cases import CaseView, NegativeMatterView, case_view
from engine.views.supervision import PUBLICATION_FIELDS, EscalationView
from tests.fixtures.definitions import departments
from tests.fixtures.desk import WINDOW, Desk, at, officer
from tests.fixtures.road_works import road_works

UTC = dt.UTC
SHANGHAI = dt.timedelta(hours=8)


@pytest.fixture
def desk(cn: WorkingCalendar) -> Desk:
    return Desk(Workflow.model_validate(road_works()), cn)


def accepted_in_utc(desk: Desk) -> CaseView:
    """A case submitted and accepted with `now` in UTC (as the wall clock hands it over),
    one step approved, viewed an hour later."""
    now = at(12, 1).astimezone(UTC)
    case = desk.accepted(now=now)
    case = desk.act(case, "approve", officer("municipal"), now, step="municipal")
    return case_view(case, desk.calendar, now + dt.timedelta(hours=1))


def test_every_moment_of_a_case_view_is_local_time_with_its_offset(desk: Desk) -> None:
    view = accepted_in_utc(desk)
    shown = view.model_dump(mode="json")
    moments = [shown["submitted_at"], shown["accepted_at"], shown["clocks_at"]]
    moments += [shown["promised"]["due"], shown["statutory"]["due"]]
    moments += [s["clock"]["due"] for s in shown["steps"] if s["clock"]]
    moments += [sig["at"] for s in shown["steps"] for sig in s["signatures"]]
    moments += [n["at"] for n in shown["notices"]]
    assert len(moments) > 6
    assert all(m.endswith("+08:00") for m in moments), moments
    assert shown["submitted_at"] == "2026-12-01T10:00:00+08:00"


def test_a_clock_says_its_due_time_and_the_working_time_left(desk: Desk) -> None:
    view = accepted_in_utc(desk)
    traffic = view.step("traffic").clock
    assert traffic is not None
    assert traffic.due.utcoffset() == SHANGHAI and traffic.due_date == traffic.due.date()
    assert traffic.remaining_working_days > 0 and traffic.remaining_working_minutes > 0
    assert (traffic.overdue, traffic.overdue_working_minutes) == (False, 0)
    assert view.step("municipal").clock is None  # approved: its clock stopped


def test_a_signature_names_who_signed_as_what_and_when(desk: Desk) -> None:
    [signature] = accepted_in_utc(desk).step("municipal").signatures
    assert (signature.actor, signature.role, signature.decision) == (
        "municipal-reviewer",
        "reviewer",
        "approve",
    )
    assert signature.at == at(12, 1) and signature.at.utcoffset() == SHANGHAI


def test_a_case_view_comes_back_unchanged_from_its_json(desk: Desk) -> None:
    view = accepted_in_utc(desk)
    again = CaseView.model_validate_json(view.model_dump_json())
    assert again == view
    assert json.loads(again.model_dump_json()) == view.model_dump(mode="json")


def test_a_negative_matter_reads_alike_on_the_case_and_in_the_register(
    desk: Desk, cn: WorkingCalendar
) -> None:
    case, _ = desk.submit(now=at(12, 1))
    refusal = {"reason": "不属于本机关职权范围", "facts": "省级权限", "legal_basis": "第三十二条"}
    case = desk.act(case, "refuse", WINDOW, at(12, 1), **refusal)
    [on_case] = case_view(case, cn, at(12, 2)).negatives
    negative = case.negatives[0]
    row = NegativeRow(  # as SQLite hands it back: naive UTC
        id=negative.id,
        case_id=case.id,
        step_id=None,
        kind=negative.kind.value,
        status=negative.status.value,
        matter=None,
        facts=negative.facts,
        reason=negative.reason,
        legal_basis=negative.legal_basis,
        officer=negative.officer,
        department=negative.department,
        registered_at=negative.registered_at.astimezone(UTC).replace(tzinfo=None),
    )
    in_register = NegativeMatterView.of(row, cn)
    assert in_register == on_case
    assert in_register.registered_at.utcoffset() == SHANGHAI


def test_an_escalation_stored_in_utc_is_shown_in_the_calendar_zone(cn: WorkingCalendar) -> None:
    fired = dt.datetime(2026, 12, 4, 9, 30)  # naive UTC, as SQLite hands it back
    row = EscalationRow(
        id=7,
        clock_key="C-1:municipal:1",
        case_id="C-1",
        step_id="municipal",
        attempt=1,
        level="red",
        department="municipal",
        scheduled_at=fired,
        fired_at=fired,
        notice_id="C-1:municipal:1:red",
        recipients=json.dumps([["municipal", "head"]]),
        order_due=dt.datetime(2026, 12, 8, 9, 30, tzinfo=UTC),
    )
    view = EscalationView.of(row, cn)
    assert view.fired_at == fired.replace(tzinfo=UTC) and view.fired_at.utcoffset() == SHANGHAI
    assert view.model_dump(mode="json")["order_due"] == "2026-12-08T17:30:00+08:00"
    assert view.recipients == ["municipal/head"] and view.acknowledged_at is None


def test_the_publication_export_keeps_its_columns() -> None:
    assert PUBLICATION_FIELDS == (
        "decision_number",
        "matter",
        "holder",
        "credit_code",
        "content",
        "agency",
        "decided_at",
        "publish_by",
        "published_at",
        "status",
        "case",
    )


def test_negative_decision_promised_same_day_light_turns_yellow_then_red(
    cn: WorkingCalendar,
) -> None:
    """否定事项报备: the leader decides the same day where possible (green until its close),
    otherwise within 5 working days (yellow), red past them; the register's row reads alike."""
    policy = departments().negative_decision
    assert policy is not None
    workflow = Workflow.model_validate(road_works(negative_decisions={"bureau": policy}))
    desk = Desk(workflow, cn)
    case, _ = desk.submit(now=at(12, 1))
    refusal = {"reason": "不属于本机关职权范围", "legal_basis": "第三十二条"}
    case = desk.act(case, "refuse", WINDOW, at(12, 1), **refusal)  # Tuesday 10:00

    def seen(now: dt.datetime) -> NegativeMatterView:
        [negative] = case_view(case, cn, now, workflow=workflow).negatives
        return negative

    today = seen(at(12, 1, 15))
    assert today.light == "green"
    assert today.promised_due == at(12, 1, 17, 30)
    assert today.decision_due is not None
    assert today.decision_due.due == at(12, 8, 17, 30)  # 12-02 … 12-08: 5 working days
    assert today.decision_due.due.utcoffset() == SHANGHAI
    assert seen(at(12, 2, 10)).light == "yellow"  # the same day passed
    late = seen(at(12, 9, 11))
    assert late.light == "red" and late.decision_due is not None
    assert late.decision_due.left == "overdue by 1 working day"
    assert case_view(case, cn, at(12, 1, 15)).negatives[0].decision_due is None  # no workflow


def test_art32_a_submitted_case_shows_its_acceptance_clock_in_local_time(desk: Desk) -> None:
    submitted, _ = desk.submit(now=at(12, 1))
    view = case_view(submitted, desk.calendar, at(12, 3))
    due = acceptance_due(submitted, desk.calendar)
    assert view.promised is None and view.statutory is None
    assert view.acceptance is not None and due is not None
    assert view.acceptance.due == due and view.acceptance.due.utcoffset() == SHANGHAI
    assert view.acceptance.remaining_working_days == 3  # Tuesday + 5 working days, read Thursday
    assert view.acceptance_light == "green"
    late = case_view(submitted, desk.calendar, due + dt.timedelta(days=1))
    assert late.acceptance is not None and late.acceptance.overdue
    assert late.acceptance_light == "red"
    accepted = desk.act(submitted, "accept", WINDOW, at(12, 2))
    assert case_view(accepted, desk.calendar, at(12, 3)).acceptance is None


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("C-1:municipal:1", "step"),
        ("C-1:case", "promised"),
        ("C-1:acceptance", "acceptance"),
        ("C-1:negative:N-1", "negative"),
    ],
)
def test_an_escalation_names_the_clock_it_fired_on(
    cn: WorkingCalendar, key: str, kind: str
) -> None:
    fired = dt.datetime(2026, 12, 7, 2, 0)
    row = EscalationRow(
        id=8,
        clock_key=key,
        case_id="C-1",
        step_id="municipal" if kind == "step" else None,
        level="red",
        department="municipal",
        scheduled_at=fired,
        fired_at=fired,
        notice_id=f"{key}:red",
        recipients="[]",
    )
    assert EscalationView.of(row, cn).clock == kind
