"""The statutory clock: suspensions (Art. 45, 补正), extensions (Art. 42), readings at `now`."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import Limit, StatutoryClock, Unit, WorkingCalendar
from engine.errors import InputError

TZ = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_reading_before_and_after_due(cn: WorkingCalendar) -> None:
    clock = StatutoryClock(at("2026-09-30T10:00"), Limit(5))
    early = clock.read(cn, at("2026-10-09T10:00"))
    assert early.due == at("2026-10-13T17:30")
    assert (
        early.remaining_working_days
        == cn.working_days_between(dt.date(2026, 10, 9), dt.date(2026, 10, 13))
        == 3
    )
    assert 0 < early.fraction_elapsed < 1 and not early.overdue
    late = clock.read(cn, at("2026-10-15T10:00"))
    assert late.overdue and late.remaining_minutes == 0
    assert late.overdue_working_days == 2
    assert late.fraction_elapsed > 1


def test_art45_expert_review_stops_the_clock_and_moves_the_deadline(cn: WorkingCalendar) -> None:
    clock = StatutoryClock(at("2026-12-01T10:00"), Limit(5))
    stopped = clock.suspend(at("2026-12-02T10:00"), "专家评审 expert review")
    reading = stopped.read(cn, at("2026-12-04T10:00"))
    assert reading.suspended
    resumed = stopped.resume(at("2026-12-04T10:00"))
    # Two working days stood still (12-02 10:00 .. 12-04 10:00): the deadline moves by two.
    assert resumed.read(cn, at("2026-12-04T10:00")).due == cn.close_of_business(
        cn.add_working_days(dt.date(2026, 12, 1), 7)
    )


def test_art42_extension_adds_working_days(cn: WorkingCalendar) -> None:
    clock = StatutoryClock(at("2026-12-01T10:00"), Limit(20))
    extended = clock.extend(10, "案情复杂 complex case", at("2026-12-10T10:00"))
    assert extended.read(cn, at("2026-12-10T10:00")).due == cn.close_of_business(
        cn.add_working_days(dt.date(2026, 12, 1), 30)
    )
    with pytest.raises(InputError, match="reason"):
        clock.extend(5, " ", at("2026-12-10T10:00"))
    with pytest.raises(InputError, match="positive"):
        clock.extend(0, "x", at("2026-12-10T10:00"))


def test_illegal_clock_moves_are_refused() -> None:
    clock = StatutoryClock(at("2026-12-01T10:00"), Limit(5))
    with pytest.raises(InputError, match="not stopped"):
        clock.resume(at("2026-12-02T10:00"))
    stopped = clock.suspend(at("2026-12-02T10:00"), "test")
    with pytest.raises(InputError, match="already stopped"):
        stopped.suspend(at("2026-12-02T11:00"), "again")
    with pytest.raises(InputError, match="before it stopped"):
        stopped.resume(at("2026-12-01T11:00"))


# -- properties ----------------------------------------------------------------------------

moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 6, 30)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=TZ)
)
limits = st.builds(
    Limit,
    st.integers(min_value=0, max_value=60),
    st.sampled_from([Unit.WORKING_DAYS, Unit.NATURAL_DAYS, Unit.WORKING_HOURS, Unit.SAME_DAY]),
)


@settings(max_examples=300, deadline=None)
@given(start=moments, limit=limits)
def test_a_deadline_is_always_at_a_working_time_instant(
    cn: WorkingCalendar, start: dt.datetime, limit: Limit
) -> None:
    due = cn.due(start, limit).at
    assert cn.is_working_day(due.date())
    minute = due.hour * 60 + due.minute
    assert any(begin < minute <= end for begin, end in cn.hours)
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(start=moments, limit=limits, pause=st.integers(0, 20_000), length=st.integers(0, 40_000))
def test_suspending_and_resuming_never_shortens_a_deadline(
    cn: WorkingCalendar, start: dt.datetime, limit: Limit, pause: int, length: int
) -> None:
    clock = StatutoryClock(start, limit)
    stop = start + dt.timedelta(minutes=pause)
    resume = stop + dt.timedelta(minutes=length)
    later = resume + dt.timedelta(minutes=1)
    paused = clock.suspend(stop, "hearing").resume(resume)
    assert paused.read(cn, later).due >= clock.read(cn, later).due


@settings(max_examples=500, deadline=None)
@given(start=st.dates(dt.date(2004, 1, 1), dt.date(2039, 1, 1)), n=st.integers(0, 300))
def test_add_then_count_round_trips(cn: WorkingCalendar, start: dt.date, n: int) -> None:
    due = cn.add_working_days(start, n)
    assert cn.is_working_day(due)
    counted = cn.working_days_between(start, due)
    assert (
        counted == n
        or (n == 0 and counted == 0 and due == start)
        or (n == 0 and not cn.is_working_day(start) and counted == 1)
    )
