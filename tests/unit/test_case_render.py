"""`onething case show`'s text: one column per field whatever the steps' names, the working
days counted in words that read right, and a closed case's clocks marked as read at closing."""

from __future__ import annotations

from typing import Any

from engine.cli.case_cmd import render_case
from engine.views.cases import CaseView


def clock(remaining: int, overdue: int = 0) -> dict[str, Any]:
    return {
        "limit": "5 working-days",
        "due": "2026-12-02T17:30:00+08:00",
        "due_date": "2026-12-02",
        "overdue": overdue > 0,
        "overdue_working_days": overdue,
        "overdue_working_minutes": overdue * 480,
        "remaining_working_days": remaining,
        "remaining_working_minutes": remaining * 480,
        "suspended": False,
        "provisional": False,
        "extended_days": 0,
    }


def step(step_id: str, status: str, step_clock: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": step_id,
        "department": "approval-bureau",
        "status": status,
        "attempt": 1,
        "assignee": None,
        "signatures": [],
        "clock": step_clock,
    }


def case(steps: list[dict[str, Any]], **changes: Any) -> CaseView:
    return CaseView.model_validate(
        {
            "id": "c1",
            "workflow": "ride-hailing-dual-licence",
            "version": 1,
            "status": "in-progress",
            "outcome": "",
            "applicant": {},
            "submitted_at": "2026-12-01T09:00:00+08:00",
            "accepted_at": "2026-12-01T09:00:00+08:00",
            "closed_at": None,
            "clocks_at": "2026-12-02T09:00:00+08:00",
            "promised": None,
            "statutory": None,
            "correction": None,
            "materials": {},
            "steps": steps,
            "negatives": [],
            "notices": [],
            **changes,
        }
    )


def test_the_columns_line_up_past_the_longest_step_name() -> None:
    view = case(
        [
            step("delivery", "pending", None),
            step("transport-certificate-decision-with-a-long-name", "active", clock(1)),
            step("driver-exam", "active", clock(2)),
            step("vehicle-review", "active", clock(0, overdue=1)),
        ]
    )
    lines = render_case(view).splitlines()[1:]
    assert len({line.index("approval-bureau") for line in lines}) == 1
    assert lines[1].endswith("due 2026-12-02 17:30 +08:00, 1 working day left")
    assert lines[2].endswith("due 2026-12-02 17:30 +08:00, 2 working days left")
    assert lines[3].endswith("due 2026-12-02 17:30 +08:00, overdue by 1 working day")


def test_a_closed_cases_clocks_say_they_are_read_when_it_closed() -> None:
    view = case(
        [step("delivery", "cancelled", None)],
        status="withdrawn",
        closed_at="2026-12-02T10:00:00+08:00",
        promised=clock(2),
    )
    promised = render_case(view).splitlines()[1]
    assert promised.endswith("2 working days left (when it closed)")


def test_a_same_day_step_with_seven_working_hours_left_says_so() -> None:
    same_day = {**clock(0), "remaining_working_minutes": 7 * 60}
    view = case([step("vehicle-review", "active", same_day)])
    line = render_case(view).splitlines()[1]
    assert line.endswith("due 2026-12-02 17:30 +08:00, 7 working hours left")
