"""The statutory working-day calendar (pure: no I/O at query time, no wall clock).

`load_calendars(folder)` reads `definitions/calendars/*.yaml` once; each `WorkingCalendar`
then answers in constant time. `StatutoryClock` runs one limit with its stops and extensions.
"""

from engine.calendar.files import CalendarSet, load_calendars
from engine.calendar.statutory import ClockReading, Extension, StatutoryClock, Suspension
from engine.calendar.units import Limit, Unit
from engine.calendar.working import Due, WorkingCalendar

__all__ = [
    "CalendarSet",
    "ClockReading",
    "Due",
    "Extension",
    "Limit",
    "StatutoryClock",
    "Suspension",
    "Unit",
    "WorkingCalendar",
    "load_calendars",
]
