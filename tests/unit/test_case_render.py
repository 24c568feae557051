"""`onething case show`'s text: one column per field whatever the steps' names, and the
working days counted in words that read right."""

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


def test_the_columns_line_up_past_the_longest_step_name() -> None:
    view = {
        "id": "c1",
        "workflow": "ride-hailing-dual-licence",
        "version": 1,
        "status": "in-progress",
        "promised": None,
        "statutory": None,
        "correction": [],
        "steps": [
            step("delivery", "pending", None),
            step("transport-certificate-decision-with-a-long-name", "active", clock(1)),
            step("driver-exam", "active", clock(2)),
            step("vehicle-review", "active", clock(0, overdue=1)),
        ],
    }
    lines = render_case(view).splitlines()[1:]
    assert len({line.index("approval-bureau") for line in lines}) == 1
    assert lines[1].endswith("due 2026-12-02 17:30, 1 working day left")
    assert lines[2].endswith("due 2026-12-02 17:30, 2 working days left")
    assert lines[3].endswith("due 2026-12-02 17:30, overdue by 1 working day")
