"""What people read of times and durations: local time with its offset, never UTC; working
days and hours, never seconds; a same-day step with hours left says so."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from engine.calendar import Limit, StatutoryClock, Unit, WorkingCalendar
from engine.calendar.display import (
    elapsed_text,
    moment_text,
    moment_text_zh,
    reading_left,
    working_time,
)

TZ = ZoneInfo("Asia/Shanghai")


def test_a_utc_moment_is_shown_in_the_calendars_zone_with_its_offset(cn: WorkingCalendar) -> None:
    moment = dt.datetime(2026, 12, 11, 9, 30, tzinfo=dt.UTC)
    assert moment_text(moment, cn.tz) == "2026-12-11 17:30 +08:00"
    assert moment_text_zh(moment, cn.tz) == "2026年12月11日 17:30（UTC+08:00）"


def test_durations_are_working_days_and_hours_never_seconds() -> None:
    day = 7 * 60
    assert elapsed_text(dt.timedelta(seconds=113400)) == "1 day 7 h 30 min"  # was "113400 s"
    assert working_time(4 * day + 210, day) == "4 working days 3 h 30 min"
    assert working_time(7 * 60, day) == "1 working day"
    assert working_time(3 * 60, day) == "3 working hours"
    assert working_time(90, day) == "1 h 30 min"
    assert working_time(2 * day + 30, day) == "2 working days 30 min"


def test_same_day_step_with_seven_working_hours_left_says_so(cn: WorkingCalendar) -> None:
    opened = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday, at opening
    clock = StatutoryClock(opened, Limit(0, Unit.SAME_DAY))
    assert reading_left(clock.read(cn, opened)) == "7 working hours left"
    assert reading_left(clock.read(cn, opened.replace(hour=16))) == "1 h 30 min left"


def test_overdue_on_the_day_counts_hours_then_working_days(cn: WorkingCalendar) -> None:
    opened = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
    clock = StatutoryClock(opened, Limit(2, Unit.WORKING_HOURS))
    assert reading_left(clock.read(cn, opened.replace(hour=14))) == "overdue by 1 h 30 min"
    assert (
        reading_left(clock.read(cn, opened + dt.timedelta(days=2))) == "overdue by 2 working days"
    )
    days = StatutoryClock(opened, Limit(3, Unit.WORKING_DAYS))
    assert reading_left(days.read(cn, opened)) == "3 working days left"
