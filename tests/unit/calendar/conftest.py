from __future__ import annotations

from pathlib import Path

import pytest

from engine.calendar import CalendarSet, WorkingCalendar, load_calendars

CALENDARS = Path(__file__).resolve().parents[3] / "definitions" / "calendars"


@pytest.fixture(scope="session")
def calendars() -> CalendarSet:
    return load_calendars(CALENDARS)


@pytest.fixture(scope="session")
def cn(calendars: CalendarSet) -> WorkingCalendar:
    return calendars.get("cn")


@pytest.fixture(scope="session")
def gx(calendars: CalendarSet) -> WorkingCalendar:
    return calendars.get("gx")
