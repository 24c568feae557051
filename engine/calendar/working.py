"""The working calendar: O(1) working-day and working-time arithmetic on precomputed ordinals.

Every day in the calendar's range gets a prefix count of working days, and every working day
its position in a list, so "the Nth working day after D" and "working days between A and B" are
two array look-ups. Instants map onto a *working-minute axis*: minute 0 is the opening of the
range; only business hours advance it. A deadline at the close of business of working day k sits
at position k × (minutes per day), which maps back to that day's close, never the next opening.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from engine.calendar.schedule import Schedule
from engine.calendar.units import Limit, Unit
from engine.errors import CalendarError, InputError

BusinessHours = tuple[tuple[int, int], ...]  # (start, end) minutes after midnight
DEFAULT_HOURS: BusinessHours = ((9 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))


@dataclass(frozen=True)
class Due:
    """When a limit ends, and whether that rests on an unpublished (estimated) year."""

    at: dt.datetime
    provisional: bool


class WorkingCalendar:
    """A calendar with its holidays, make-up working days and business hours.

    Pure: built once from a `Schedule`, then every query is arithmetic on arrays.
    """

    def __init__(
        self,
        calendar_id: str,
        schedule: Schedule,
        *,
        first: dt.date,
        last: dt.date,
        timezone: str = "Asia/Shanghai",
        hours: BusinessHours = DEFAULT_HOURS,
        name: str = "",
    ):
        self.id = calendar_id
        self.name = name or calendar_id
        self.tz = ZoneInfo(timezone)
        self.hours = hours
        self.first, self.last = first, last
        self.schedule = schedule
        self.day_minutes = sum(end - start for start, end in hours)
        # business minutes before each minute of the day (0..1440): O(1) positions
        self._into = [sum(max(0, min(m, end) - start) for start, end in hours) for m in range(1441)]
        self._base = first.toordinal()
        self._days = last.toordinal() - self._base + 1
        self._cum = [0] * (self._days + 1)  # working days strictly before day index i
        self._work: list[dt.date] = []  # the working days of the range, in order
        for i in range(self._days):
            day = dt.date.fromordinal(self._base + i)
            working = schedule.is_working_day(day)
            self._cum[i + 1] = self._cum[i] + working
            if working:
                self._work.append(day)
        self._close = hours[-1][1]

    # -- days -------------------------------------------------------------------------------

    def _index(self, day: dt.date) -> int:
        i = day.toordinal() - self._base
        if not 0 <= i < self._days:
            raise CalendarError(
                f"{day.isoformat()} is outside calendar {self.id!r} "
                f"({self.first.isoformat()}..{self.last.isoformat()})"
            )
        return i

    def _working_day_number(self, k: int) -> dt.date:
        """The k-th working day of the range (1-based)."""
        if not 1 <= k <= len(self._work):
            raise CalendarError(f"the result lies beyond calendar {self.id!r} ({self.last})")
        return self._work[k - 1]

    def is_working_day(self, day: dt.date) -> bool:
        i = self._index(day)
        return self._cum[i + 1] > self._cum[i]

    def is_provisional(self, first: dt.date, last: dt.date) -> bool:
        """True if any year from `first` to `last` has no published schedule (estimated)."""
        low, high = sorted((first.year, last.year))
        return any(year not in self.schedule.published for year in range(low, high + 1))

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (the start day is not counted, Civil Code 201).

        n = 0 is the start day itself if it is a working day, otherwise the next one.
        """
        i = start.toordinal() - self._base
        if n > 0 and 0 <= i < self._days:  # the hot path: two list look-ups
            k = self._cum[i + 1] + n
            if k <= len(self._work):
                return self._work[k - 1]
        if n < 0:
            raise InputError(f"cannot count a negative number of working days ({n})")
        done = self._cum[self._index(start) + 1]
        if n == 0:
            return start if self.is_working_day(start) else self._working_day_number(done + 1)
        return self._working_day_number(done + n)

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` itself when it is a working day, otherwise the first working day after it."""
        return self.add_working_days(day, 0)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative if `end` < `start`)."""
        return self._cum[self._index(end) + 1] - self._cum[self._index(start) + 1]

    def working_days_in_year(self, year: int) -> int:
        return self.working_days_between(dt.date(year - 1, 12, 31), dt.date(year, 12, 31))

    # -- instants on the working-minute axis ------------------------------------------------

    def local(self, moment: dt.datetime) -> dt.datetime:
        """`moment` in the calendar's timezone; a naive datetime is taken as local time."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def position(self, moment: dt.datetime) -> int:
        """Working minutes from the start of the range up to `moment`."""
        moment = self.local(moment)
        i = self._index(moment.date())
        before = self._cum[i] * self.day_minutes
        if self._cum[i + 1] == self._cum[i]:  # a rest day: the clock stands still
            return before
        return before + self._into[moment.hour * 60 + moment.minute]

    def instant(self, position: int) -> dt.datetime:
        """The moment at working-minute `position`; a whole day's end maps to its close."""
        k, rest = divmod(position, self.day_minutes)
        if rest == 0:
            day, minute = self._working_day_number(k), self._close
        else:
            day = self._working_day_number(k + 1)
            minute = self._clock_time(rest)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)

    def _clock_time(self, into: int) -> int:
        for start, end in self.hours:
            if into <= end - start:
                return start + into
            into -= end - start
        return self._close

    def start_of_business(self, day: dt.date) -> dt.datetime:
        opening = self.hours[0][0]
        return dt.datetime.combine(day, dt.time(opening // 60, opening % 60), tzinfo=self.tz)

    def close_of_business(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(
            day, dt.time(self._close // 60, self._close % 60), tzinfo=self.tz
        )

    def is_after_hours(self, moment: dt.datetime) -> bool:
        moment = self.local(moment)
        return moment.hour * 60 + moment.minute >= self._close

    # -- limits -----------------------------------------------------------------------------

    def due(self, start: dt.datetime, limit: Limit) -> Due:
        """When `limit` counted from `start` ends (docs/domain.md §counting)."""
        start = self.local(start)
        day = start.date()
        self._index(day)  # a start outside the calendar says so
        if limit.unit is Unit.WORKING_DAYS and limit.value:
            at = self.close_of_business(self.add_working_days(day, limit.value))
        elif limit.unit is Unit.SAME_DAY or not limit.value:
            if self.is_after_hours(start):
                day = day + dt.timedelta(days=1)
            at = self.close_of_business(self.next_working_day(day))
        elif limit.unit is Unit.NATURAL_DAYS:
            if limit.value > (self.last - day).days:
                raise CalendarError(f"the result lies beyond calendar {self.id!r} ({self.last})")
            last = day + dt.timedelta(days=limit.value)
            at = self.close_of_business(self.next_working_day(last))
        else:
            at = self.instant(self.position(start) + limit.value * 60)
        return Due(at, self.is_provisional(day, at.date()))
