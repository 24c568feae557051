"""`onething case show`'s text: one column per field whatever the steps' names, the working
days counted in words that read right, and a closed case's clocks marked as read at closing."""

from __future__ import annotations

from typing import Any

from engine.cli.case_cmd import render_case


def clock(remaining: int, overdue: int = 0) -> dict[str, Any]:
    return {
        "due": "2026-12-02T17:30:00+08:00",
        "overdue": overdue > 0,
        "overdue_working_days": overdue,
        "remaining_working_days": remaining,
        "suspended": False,
        "provisional": False,
    }


def step(step_id: str, status: str, step_clock: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": step_id, "department": "approval-bureau", "status": status, "clock": step_clock}


def case(steps: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "workflow": "ride-hailing-dual-licence",
        "version": 1,
        "status": "in-progress",
        "closed_at": None,
        "promised": None,
        "statutory": None,
        "correction": [],
        "steps": steps,
        **changes,
    }


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
    assert lines[1].endswith("due 2026-12-02 17:30, 1 working day left")
    assert lines[2].endswith("due 2026-12-02 17:30, 2 working days left")
    assert lines[3].endswith("due 2026-12-02 17:30, overdue by 1 working day")


def test_a_closed_cases_clocks_say_they_are_read_when_it_closed() -> None:
    view = case(
        [step("delivery", "cancelled", None)],
        status="withdrawn",
        closed_at="2026-12-02T10:00:00+08:00",
        promised=clock(2),
    )
    promised = render_case(view).splitlines()[1]
    assert promised.endswith("2 working days left (when it closed)")
