"""The overview's forecast horizon (本工作周内将变黄/变红): the close of the working week under
way, on the working-day calendar; on a rest day or after Friday's close, the coming week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.calendar import WorkingCalendar, load_calendars
from engine.cases.overview import end_of_working_week

ROOT = Path(__file__).resolve().parents[3] / "definitions"


@pytest.fixture(scope="module")
def gx() -> WorkingCalendar:
    return load_calendars(ROOT / "calendars").get("gx")


def at(gx: WorkingCalendar, day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=gx.tz)


@pytest.mark.parametrize(
    ("now", "week_end"),
    [
        (("2026-12-02", "10:00"), "2026-12-04"),  # a Wednesday: this Friday
        (("2026-12-04", "10:00"), "2026-12-04"),  # Friday in hours: today
        (("2026-12-04", "18:00"), "2026-12-11"),  # Friday after the close: the coming week
        (("2026-12-05", "19:15"), "2026-12-11"),  # Saturday: the coming week, not nothing
        (("2026-12-06", "09:00"), "2026-12-11"),  # Sunday
        (("2026-09-30", "10:00"), "2026-09-30"),  # the day before National Day
        (("2026-10-03", "10:00"), "2026-10-10"),  # in the holiday: to the make-up Saturday
    ],
)
def test_forecast_horizon_is_the_close_of_the_working_week_under_way(
    gx: WorkingCalendar, now: tuple[str, str], week_end: str
) -> None:
    horizon = end_of_working_week(gx, at(gx, *now))
    assert horizon == gx.close_of_business(dt.date.fromisoformat(week_end))
    assert horizon > at(gx, *now)  # never a horizon already past: the forecast is never empty
