"""How times and durations read to people: the one home for the CLI, notices and views.

A moment is shown in the calendar's zone with its offset (`2026-12-11 17:30 +08:00`, in Chinese
`2026年12月11日 17:30（UTC+08:00）`), never in UTC; a duration in working days and working
hours (`1 working day 3 h 30 min`), never in seconds.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from engine.calendar.statutory import ClockReading


def moment_text(moment: dt.datetime, zone: ZoneInfo | dt.tzinfo) -> str:
    """`2026-12-11 17:30 +08:00`: the moment in `zone`, with the offset."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {_offset(local)}"


def moment_text_zh(moment: dt.datetime, zone: ZoneInfo | dt.tzinfo) -> str:
    """`2026年12月11日 17:30（UTC+08:00）`, for notices to applicants and officers."""
    local = moment.astimezone(zone)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（UTC{_offset(local)}）"


def date_text_zh(moment: dt.datetime, zone: ZoneInfo | dt.tzinfo) -> str:
    """`2026年12月11日`: the local date of a deadline that ends at the close of business."""
    local = moment.astimezone(zone)
    return f"{local.year}年{local.month}月{local.day}日"


def _offset(local: dt.datetime) -> str:
    offset = local.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def working_time(minutes: int, day_minutes: int) -> str:
    """`1 working day 3 h 30 min`, `2 working days` (working time only)."""
    days, rest = divmod(max(0, minutes), day_minutes)
    parts = [f"{days} working day" + ("" if days == 1 else "s")] if days else []
    if rest:
        parts.append(working_hours(rest) if not days else _h_min(rest))
    return " ".join(parts) or "0 working hours"


def working_hours(minutes: int) -> str:
    """`7 working hours`, `1 h 30 min`: working time within a day."""
    hours, mins = divmod(max(0, minutes), 60)
    if not mins:
        return f"{hours} working hour" + ("" if hours == 1 else "s")
    return _h_min(minutes)


def _h_min(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return " ".join(p for p in (f"{hours} h" if hours else "", f"{mins} min" if mins else "") if p)


def elapsed_text(delay: dt.timedelta) -> str:
    """`1 day 7 h 30 min`: a delay in calendar time (a notice sent late after downtime)."""
    minutes = max(0, int(delay.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    day_part = (f"{days} day" + ("" if days == 1 else "s")) if days else ""
    return " ".join(p for p in (day_part, _h_min(rest)) if p) or "under a minute"


def left_text(
    *, remaining_days: int, remaining_minutes: int, overdue_days: int, overdue_minutes: int
) -> str:
    """What a clock has left (its `ClockReading` or view figures), in the unit that says it:
    working days while the due date is a later day, working hours on the day itself (`7
    working hours left`, not `0 working days`); overdue by working days, or by hours on the
    day it fell due."""
    if overdue_minutes > 0:
        if overdue_days:
            return "overdue by " + _days(overdue_days)
        return "overdue by " + working_hours(overdue_minutes)
    if remaining_days:
        return _days(remaining_days) + " left"
    return working_hours(remaining_minutes) + " left"


def reading_left(reading: ClockReading) -> str:
    """`left_text` of a clock reading."""
    return left_text(
        remaining_days=reading.remaining_working_days,
        remaining_minutes=reading.remaining_minutes,
        overdue_days=reading.overdue_working_days,
        overdue_minutes=reading.overdue_minutes,
    )


def _days(n: int) -> str:
    return f"{n} working day" if n == 1 else f"{n} working days"
