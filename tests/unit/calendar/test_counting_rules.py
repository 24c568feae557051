"""Counting rules of docs/domain.md §counting, named after the rule they check."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.calendar import Limit, Unit, WorkingCalendar
from engine.errors import CalendarError, InputError


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text + "+08:00")


def test_start_day_not_counted_and_national_day_skipped_with_make_up_saturday(
    cn: WorkingCalendar,
) -> None:
    # 10-01..07 off; 10-08 (1) 10-09 (2) 10-10 make-up Saturday (3) 10-12 (4) 10-13 (5).
    due = cn.due(at("2026-09-30T10:00"), Limit(5))
    assert due.at == at("2026-10-13T17:30")
    assert not due.provisional


def test_art42_twenty_working_days_end_at_close_of_business(cn: WorkingCalendar) -> None:
    due = cn.due(at("2026-12-01T15:00"), Limit(20))
    assert due.at.date() == dt.date(2026, 12, 29)
    assert due.at.time() == dt.time(17, 30)


def test_start_on_rest_day_counts_from_next_working_day(cn: WorkingCalendar) -> None:
    # Saturday 2026-12-05: day 1 is Monday 12-07.
    assert cn.due(at("2026-12-05T11:00"), Limit(1)).at == at("2026-12-07T17:30")


def test_natural_days_ending_on_rest_day_move_to_next_working_day(cn: WorkingCalendar) -> None:
    # 2026-09-26 + 5 days = 10-01 (National Day) -> 10-08.
    due = cn.due(at("2026-09-26T09:00"), Limit(5, Unit.NATURAL_DAYS))
    assert due.at == at("2026-10-08T17:30")
    # Ending on a working day stays there.
    assert cn.due(at("2026-12-01T09:00"), Limit(2, Unit.NATURAL_DAYS)).at == at("2026-12-03T17:30")


def test_same_day_is_close_of_business_of_acceptance(cn: WorkingCalendar) -> None:
    assert cn.due(at("2026-12-01T10:00"), Limit(0, Unit.SAME_DAY)).at == at("2026-12-01T17:30")


def test_same_day_after_hours_or_on_rest_day_moves_to_next_working_day(
    cn: WorkingCalendar,
) -> None:
    assert cn.due(at("2026-12-01T18:00"), Limit(0, Unit.SAME_DAY)).at == at("2026-12-02T17:30")
    assert cn.due(at("2026-12-04T17:30"), Limit(0, Unit.SAME_DAY)).at == at("2026-12-07T17:30")
    assert cn.due(at("2026-10-01T10:00"), Limit(0, Unit.SAME_DAY)).at == at("2026-10-08T17:30")


def test_working_hours_count_business_hours_only(cn: WorkingCalendar) -> None:
    # 16:00 + 3 h: 1.5 h today, lunch break skipped tomorrow: 09:00 + 1.5 h = 10:30.
    assert cn.due(at("2026-12-01T16:00"), Limit(3, Unit.WORKING_HOURS)).at == at("2026-12-02T10:30")
    # 11:00 + 2 h: 1 h before lunch, 1 h after 13:30.
    assert cn.due(at("2026-12-01T11:00"), Limit(2, Unit.WORKING_HOURS)).at == at("2026-12-01T14:30")
    # A full day of 7 hours from opening ends at that day's close, not the next opening.
    assert cn.due(at("2026-12-01T08:00"), Limit(7, Unit.WORKING_HOURS)).at == at("2026-12-01T17:30")


def test_between_counts_after_start_up_to_and_including_end(cn: WorkingCalendar) -> None:
    assert cn.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 13)) == 5
    assert cn.working_days_between(dt.date(2026, 12, 1), dt.date(2026, 12, 1)) == 0
    assert cn.working_days_between(dt.date(2026, 10, 13), dt.date(2026, 9, 30)) == -5


def test_a_deadline_in_an_unpublished_year_is_provisional(cn: WorkingCalendar) -> None:
    assert cn.due(at("2026-12-20T10:00"), Limit(20)).provisional
    assert not cn.due(at("2026-11-20T10:00"), Limit(5)).provisional


def test_out_of_range_is_a_clear_error(cn: WorkingCalendar) -> None:
    with pytest.raises(CalendarError, match="outside calendar 'cn'"):
        cn.due(at("2041-01-02T10:00"), Limit(1))
    with pytest.raises(CalendarError, match="beyond calendar"):
        cn.add_working_days(dt.date(2040, 12, 20), 30)


def test_negative_limits_are_refused() -> None:
    with pytest.raises(InputError, match="negative"):
        Limit(-1)
    with pytest.raises(InputError, match="unknown unit"):
        Limit.parse("3 fortnights")
    assert Limit.parse("same-day") == Limit(0, Unit.SAME_DAY)
    assert Limit.parse("20 working-days") == Limit(20)
