"""The case's own clocks follow the law, not only the steps' (docs/domain.md, the case clocks):
time the law does not count (Art. 45) stops them, an Art. 42 extension moves them as far as
it must, and the promise is the one of the path the application takes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from engine.calendar import WorkingCalendar, load_calendars
from engine.cases.case import Actor, Case
from engine.cases.state import StepStatus
from engine.definitions import Workflow
from engine.definitions.loader import load_catalogue, load_workflow
from engine.escalation.firings import plan_firings, tracked_clocks
from tests.fixtures.desk import APPLICANT, Desk, at, officer
from tests.fixtures.licences import found_in_library
from tests.fixtures.road_works import ALL_MATERIALS

ROOT = Path(__file__).resolve().parents[3] / "definitions"
SYSTEM = Actor("connector", "system")
BUREAU = "approval-bureau"


def the_workflow(name: str) -> Workflow:
    return load_workflow(ROOT / "workflows" / f"{name}.yaml", load_catalogue(ROOT))


@pytest.fixture(scope="module")
def gx() -> WorkingCalendar:
    return load_calendars(ROOT / "calendars").get("gx")


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "samples" / f"{name}.json").read_text("utf-8"))
    return data


class Bureau(Desk):
    """A desk on one of the definitions' workflows, submitting one of its samples."""

    def __init__(self, name: str, calendar: WorkingCalendar, sample_name: str | None = None):
        super().__init__(the_workflow(name), calendar)
        self.application = sample(sample_name or name)

    def accept(self, now: dt.datetime, **fields: Any) -> Case:
        from engine.cases.machine import submit

        application = dict(self.application)
        application["fields"] = {**application["fields"], **fields}
        case, _ = submit(
            case_id="C-1",
            workflow=self.workflow,
            calendar=self.calendar,
            application=application,
            now=now,
            looked_up=found_in_library(self.workflow, application),
        )
        return self.act(case, "accept", Actor("wang", "window", BUREAU), now)


def promised_due(desk: Desk, case: Case, now: dt.datetime) -> dt.datetime:
    assert case.promised is not None
    return case.promised.read(desk.calendar, now).due


def case_firings(desk: Desk, case: Case, now: dt.datetime) -> list[str]:
    [tracked] = [t for t in tracked_clocks(case, desk.workflow) if t.step_id is None]
    return [f.level for f in plan_firings(tracked, desk.calendar, now).due]


# -- Art. 45: time not counted stops the case clock --------------------------------------------


def exam_running(desk: Bureau) -> Case:
    """A ride-hailing case on Tuesday 1 December 2026: registered, checked, the vehicle done;
    only the driver's exam (counted: false) is left before the driver's decision."""
    case = desk.accept(at(12, 1, 9, 30))
    case = desk.act(
        case,
        "approve",
        Actor("wang", "window", BUREAU),
        at(12, 1, 9, 40),
        step="driver-registration",
    )
    for check in ("background-check", "traffic-record-check"):
        case = desk.act(case, "approve", SYSTEM, at(12, 1, 9, 45), step=check, result={"ok": 1})
    case = desk.act(case, "approve", officer(BUREAU), at(12, 1, 10), step="vehicle-review")
    case = desk.act(
        case, "approve", officer("traffic-police"), at(12, 1, 11), step="use-type-change"
    )
    return desk.act(
        case,
        "approve",
        officer(BUREAU, "head"),
        at(12, 1, 11, 30),
        step="transport-certificate-decision",
    )


def test_art45_not_counted_stops_case_clock(gx: WorkingCalendar) -> None:
    desk = Bureau("ride-hailing-dual-licence", gx)
    case = exam_running(desk)
    assert case.steps["driver-exam"].status is StepStatus.ACTIVE
    assert case.holds == ["not-counted:driver-exam"]
    assert case.promised is not None and case.promised.suspended
    assert case.statutory is not None and case.statutory.suspended
    # promised 2 working days from Tuesday: Thursday 3 December; the exam runs to the 8th
    week_later = at(12, 8, 16)
    reading = case.promised.read(gx, week_later)
    assert not reading.overdue and reading.suspended
    assert case_firings(desk, case, week_later) == []  # no case red card while the exam runs
    case = desk.act(case, "approve", officer("transport"), at(12, 8, 16), step="driver-exam")
    assert case.holds == [] and case.promised is not None and not case.promised.suspended
    # stopped from Tuesday 1 December 09:40 to Tuesday 8 December 16:00: 5 working days and
    # 5 h 50 min, rounded up to 6 whole days (a stop never shortens a limit): Thursday 3
    # December moves to Friday 11 December
    assert promised_due(desk, case, at(12, 8, 16)) == at(12, 11, 17, 30)


def test_art45_counted_parallel_work_keeps_no_case_clock_running(gx: WorkingCalendar) -> None:
    """The vehicle's branch still works while the exam runs: the exam's time is not counted
    even so, for the driver's decision waits for it."""
    desk = Bureau("ride-hailing-dual-licence", gx)
    case = desk.accept(at(12, 1, 9, 30))
    case = desk.act(
        case,
        "approve",
        Actor("wang", "window", BUREAU),
        at(12, 1, 9, 40),
        step="driver-registration",
    )
    assert case.steps["vehicle-review"].status is StepStatus.ACTIVE
    assert case.holds == ["not-counted:driver-exam"]
    assert case.promised is not None and case.promised.suspended


def test_publication_alone_does_not_run_the_case_clock(gx: WorkingCalendar) -> None:
    """双公示 follows the decision on its own clock: once the delivery is done the case waits
    only on publication, which is not counted toward the case's limit."""
    desk = Bureau("ride-hailing-dual-licence", gx)
    case = exam_running(desk)
    case = desk.act(case, "approve", officer("transport"), at(12, 1, 14), step="driver-exam")
    case = desk.approve_all(case, "driver-certificate-decision", at(12, 1, 15))
    assert case.promised is not None and not case.promised.suspended
    case = desk.act(
        case, "approve", Actor("wang", "window", BUREAU), at(12, 1, 16), step="delivery"
    )
    assert case.steps["publication"].status is StepStatus.ACTIVE
    assert case.holds == ["not-counted:publication"]
    assert case.promised is not None and case.promised.suspended
    assert case_firings(desk, case, at(12, 10)) == []


def test_art45_suspension_on_one_branch_stops_the_case_clock(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case, "suspend", officer("municipal"), at(12, 2), step="municipal", reason="专家评审"
    )
    assert case.steps["traffic"].status is StepStatus.ACTIVE  # the other branch works on
    assert case.holds == ["art45:municipal"]
    assert case.promised is not None and case.promised.suspended


# -- Art. 42: an extension moves what it must -------------------------------------------------


def test_art42_extension_moves_case_deadline(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    assert promised_due(desk, case, at(12, 1)) == at(12, 15, 17, 30)  # 10 working days
    case, events = desk.act_events(
        case,
        "extend",
        officer("municipal", "head"),
        at(12, 2),
        step="municipal",
        days=10,
        reason="需组织现场踏勘",
    )
    # the step: Friday 4 December + 10 working days = Friday 18 December
    assert due_of(desk, case, "municipal") == at(12, 18, 17, 30)
    # the case promise moves 3 working days, as far as the step needs and no further
    assert case.promised is not None and case.promised.extended_days == 3
    assert promised_due(desk, case, at(12, 2)) == at(12, 18, 17, 30)
    assert case.statutory is not None and case.statutory.extended_days == 0  # 29 December holds
    [moved] = [e.data for e in events if e.kind == "case.clock.moved"]
    assert moved["clock"] == "promised" and moved["days"] == 3
    assert moved["old_due"] == "2026-12-15T17:30:00+08:00"
    assert moved["new_due"] == "2026-12-18T17:30:00+08:00"
    [extended] = [e.data for e in events if e.kind == "clock.extended"]
    assert extended["old_due"] == "2026-12-04T17:30:00+08:00"
    assert extended["new_due"] == "2026-12-18T17:30:00+08:00"
    notice = case.notices[-1]
    assert notice.kind == "extension"
    assert "2026年12月18日 17:30（UTC+08:00）前办结" in notice.text
    assert "需组织现场踏勘" in notice.text and "第四十二条" in notice.text


def test_art42_extension_within_the_case_promise_leaves_it(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case, events = desk.act_events(
        case,
        "extend",
        officer("municipal", "head"),
        at(12, 2),
        step="municipal",
        days=2,
        reason="材料复杂",
    )
    assert case.promised is not None and case.promised.extended_days == 0
    assert not [e for e in events if e.kind == "case.clock.moved"]
    text = case.notices[-1].text
    assert "2026年12月8日 17:30（UTC+08:00）前办结" in text  # the step's new date
    assert "本件承诺办结期限为2026年12月15日 17:30（UTC+08:00）" in text


def due_of(desk: Desk, case: Case, step_id: str) -> dt.datetime:
    clock = case.steps[step_id].clock
    assert clock is not None
    return clock.read(desk.calendar, at(12, 2)).due


# -- the promise of the path the application takes ---------------------------------------------


def test_case_promise_follows_path_taken(gx: WorkingCalendar) -> None:
    """A foreign expert working 90 days or less takes only the 5-working-day permit and the
    pickup: the case and its acceptance notice promise 5 working days, not 12."""
    short = Bureau(
        "foreign-work-permit-exit-entry", gx, "foreign-work-permit-exit-entry-short-term"
    )
    case = short.accept(at(12, 1))
    assert case.promised is not None and str(case.promised.limit) == "5 working-days"
    assert case.statutory is not None and str(case.statutory.limit) == "5 working-days"
    assert promised_due(short, case, at(12, 1)) == at(12, 8, 17, 30)
    [notice] = [n for n in case.notices if n.kind == "acceptance"]
    assert "承诺时限5个工作日，承诺于2026年12月8日 17:30（UTC+08:00）前办结" in notice.text
    long = Bureau("foreign-work-permit-exit-entry", gx)
    case = long.accept(at(12, 1))
    assert case.promised is not None and str(case.promised.limit) == "12 working-days"
    assert case.statutory is not None and str(case.statutory.limit) == "45 working-days"


def test_the_plan_shows_each_paths_promise_beside_its_critical_path() -> None:
    from engine.definitions import make_plan, render_plan

    plan = make_plan(the_workflow("foreign-work-permit-exit-entry"), {})
    paths = {p.when: (str(p.promised_limit), p.critical_days, p.critical_path) for p in plan.paths}
    assert paths["work_days <= 90"] == (
        "5 working-days",
        5,
        ("intake", "work-permit-short", "pickup"),
    )
    assert paths[None][:2] == ("12 working-days", 12)
    text = render_plan(plan)
    assert "path when work_days <= 90" in text and "critical path 5 working days" in text


# -- 容缺: a delivery waiting only on the applicant ---------------------------------------------


def test_deferred_materials_delivery_waiting_only_on_the_applicant_does_not_escalate(
    desk: Desk,
) -> None:
    """The result is issued only after the deferred materials arrive (容缺后补): that wait is
    the applicant's, so the delivery's clock and the case clocks stop, and nothing escalates
    against the department; they run again once the material is supplied."""
    materials = {k: v for k, v in ALL_MATERIALS.items() if k != "traffic-plan"}
    case = desk.accepted(now=at(12, 1), materials=materials)  # the plan due 12-08 17:30
    for step_id in ("municipal", "traffic", "decision"):
        case = desk.approve_all(case, step_id, at(12, 1, 11))
    delivery = case.steps["delivery"]
    assert delivery.status is StepStatus.ACTIVE and delivery.hold == "applicant"
    assert delivery.clock is not None and delivery.clock.suspended
    assert case.holds == ["applicant:delivery"]
    assert case.promised is not None and case.promised.suspended
    later = at(12, 7, 17)  # the same-day delivery would be four working days late
    plans = [plan_firings(t, desk.calendar, later) for t in tracked_clocks(case, desk.workflow)]
    assert [f for p in plans for f in p.due] == []
    case = desk.act(case, "supplement", APPLICANT, later, materials={"traffic-plan": "doc-9"})
    delivery = case.steps["delivery"]
    assert delivery.hold is None and delivery.clock is not None and not delivery.clock.suspended
    assert delivery.clock.read(desk.calendar, later).due == at(12, 8, 17, 30)  # a day on
    assert case.holds == [] and case.promised is not None and not case.promised.suspended
