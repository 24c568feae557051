"""The notice model checks what it is given and survives a round trip through JSON."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.errors import InputError
from engine.notify.notice import NoticeKind, Recipient, SupervisionNotice, WorkingTime

DUE = datetime(2027, 3, 1, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def make(**changes: Any) -> SupervisionNotice:
    fields: dict[str, Any] = {
        "notice_id": "n-1",
        "kind": "red",
        "case_id": "C-1",
        "workflow_title": "外国人来华工作许可",
        "department": "市科技局",
        "due_at": DUE,
    }
    fields.update(changes)
    return SupervisionNotice(**fields)


def test_round_trip_through_dict_keeps_every_field() -> None:
    original = make(
        step_id="permit",
        step_title="工作许可审查",
        overdue=WorkingTime(2, 30),
        provisional=True,
        late_by=timedelta(minutes=95),
        recipients=[Recipient("王五", "处长")],
    )
    assert SupervisionNotice.from_dict(original.to_dict()) == original
    assert original.kind is NoticeKind.RED
    assert original.recipients == (Recipient("王五", "处长"),)


def test_naive_due_time_is_refused() -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        make(due_at=datetime(2025, 1, 2, 17, 0))


def test_remaining_and_overdue_are_exclusive() -> None:
    with pytest.raises(InputError, match="exclusive"):
        make(remaining=WorkingTime(1), overdue=WorkingTime(1))


@pytest.mark.parametrize(("days", "minutes"), [(-1, 0), (0, -5), (1.5, 0), (True, 0)])
def test_working_time_takes_whole_non_negative_numbers(days: object, minutes: object) -> None:
    with pytest.raises(InputError):
        WorkingTime(days, minutes)  # type: ignore[arg-type]


def test_negative_delay_and_empty_id_are_refused() -> None:
    with pytest.raises(InputError, match="late_by"):
        make(late_by=timedelta(minutes=-1))
    with pytest.raises(InputError, match="notice_id"):
        make(notice_id=" ")
