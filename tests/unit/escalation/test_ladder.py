"""The default ladder (docs/domain.md §supervision) on the statutory calendar: yellow at 90% of
the time or one working day before the deadline, whichever is first; red at the deadline;
supervision one working day later. Stopped clocks do not climb; extensions and stops move the
whole ladder."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from engine.calendar import Limit, StatutoryClock, Unit, WorkingCalendar
from engine.definitions.escalation import Level, Rung, Trigger
from engine.escalation.ladder import Mark, marks, next_at

TZ = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 17, minute: int = 30) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def days(n: int) -> Limit:
    return Limit(n, Unit.WORKING_DAYS)


def by_level(found: list[Mark]) -> dict[Level, dt.datetime]:
    return {m.level: m.at for m in found}


def test_short_limit_yellow_one_working_day_before_the_deadline_comes_before_90_percent(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    clock = StatutoryClock(at(2026, 12, 1, 10, 0), days(3))  # Tuesday; due Friday 12-04
    found = by_level(marks(clock, ladder, cn, at(2026, 12, 1, 10, 0)))
    assert found[Level.YELLOW] == at(2026, 12, 3)  # 90% would be Friday 11:18
    assert found[Level.RED] == at(2026, 12, 4)
    assert found[Level.SUPERVISION] == at(2026, 12, 7)  # Monday: the weekend is not counted
    assert found[Level.ORDER] == at(2026, 12, 9)
    assert found[Level.ACCOUNTABILITY] == at(2026, 12, 11)


def test_long_limit_yellow_at_90_percent_comes_before_the_day_before(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    clock = StatutoryClock(at(2026, 12, 1, 10, 0), days(20))  # due 12-29
    found = by_level(marks(clock, ladder, cn, at(2026, 12, 1, 10, 0)))
    # 90% of 8,760 countable working minutes = 7,884 after 10:00 on 12-01: 12-25 at 16:54
    assert found[Level.YELLOW] == at(2026, 12, 25, 16, 54)
    assert found[Level.RED] == at(2026, 12, 29)


def test_national_day_holiday_is_skipped_and_the_make_up_saturday_counts(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    # 国庆 2026: 10-01..10-07 off; Saturday 10-10 is a make-up working day (调休上班).
    clock = StatutoryClock(at(2026, 9, 29, 10, 0), days(3))  # 9-30, 10-08, 10-09
    found = by_level(marks(clock, ladder, cn, at(2026, 9, 29, 10, 0)))
    assert found[Level.YELLOW] == at(2026, 10, 8)
    assert found[Level.RED] == at(2026, 10, 9)
    assert found[Level.SUPERVISION] == at(2026, 10, 10)  # the make-up Saturday


def test_a_stopped_clock_has_no_marks_and_resumes_with_the_ladder_moved(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    start = at(2026, 12, 1, 10, 0)
    clock = StatutoryClock(start, days(3))
    stopped = clock.suspend(at(2026, 12, 2, 10, 0), "专家评审 (Art. 45)")
    assert marks(stopped, ladder, cn, at(2026, 12, 3, 10, 0)) == []
    resumed = stopped.resume(at(2026, 12, 4, 10, 0))  # two working days stood still
    before = by_level(marks(clock, ladder, cn, start))
    after = by_level(marks(resumed, ladder, cn, at(2026, 12, 4, 10, 0)))
    assert after[Level.RED] == at(2026, 12, 8) == resumed.read(cn, at(2026, 12, 4)).due
    assert after[Level.YELLOW] == at(2026, 12, 7)
    assert before[Level.RED] == at(2026, 12, 4)


def test_an_extension_moves_every_level_by_its_working_days(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    start = at(2026, 12, 1, 10, 0)
    clock = StatutoryClock(start, days(3)).extend(2, "需要现场核查 (Art. 42)", start)
    found = by_level(marks(clock, ladder, cn, start))
    assert found[Level.YELLOW] == at(2026, 12, 7)
    assert found[Level.RED] == at(2026, 12, 8)
    assert found[Level.SUPERVISION] == at(2026, 12, 9)


def test_marks_on_an_unpublished_year_are_given_and_the_reading_is_provisional(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    start = dt.datetime(2027, 3, 2, 10, 0, tzinfo=TZ)
    clock = StatutoryClock(start, days(3))
    assert clock.read(cn, start).provisional
    assert by_level(marks(clock, ladder, cn, start))[Level.RED] == clock.read(cn, start).due


def test_a_level_takes_the_recipients_of_its_earliest_rung(cn: WorkingCalendar) -> None:
    ladder = (
        Rung(at=Trigger.parse("90%"), level=Level.YELLOW, notify=("reviewer",)),
        Rung(at=Trigger.parse("deadline - 1 working-days"), level=Level.YELLOW, notify=("head",)),
    )
    start = at(2026, 12, 1, 10, 0)
    short = marks(StatutoryClock(start, days(3)), ladder, cn, start)
    long = marks(StatutoryClock(start, days(20)), ladder, cn, start)
    assert [m.notify for m in short] == [("head",)]
    assert [m.notify for m in long] == [("reviewer",)]


def test_a_rung_before_the_start_fires_at_the_start(cn: WorkingCalendar) -> None:
    ladder = (
        Rung(at=Trigger.parse("deadline - 5 working-days"), level=Level.YELLOW, notify=("head",)),
    )
    start = at(2026, 12, 1, 10, 0)
    assert marks(StatutoryClock(start, days(1)), ladder, cn, start)[0].at == start


def test_a_clock_started_out_of_hours_has_no_mark_before_its_start(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    # Accepted Tuesday 12-01 at 22:44, after close: a same-day step is due Wednesday's close,
    # and `deadline - 1 working-days` is the start's own working minute, which the calendar
    # reads as Tuesday 17:30 (before the case was even accepted): yellow is due at the start.
    start = at(2026, 12, 1, 22, 44)
    found = by_level(marks(StatutoryClock(start, Limit(0, Unit.SAME_DAY)), ladder, cn, start))
    assert found[Level.YELLOW] == start
    assert found[Level.RED] == at(2026, 12, 2)
    hours = by_level(marks(StatutoryClock(start, Limit(2, Unit.WORKING_HOURS)), ladder, cn, start))
    assert hours[Level.YELLOW] == start and hours[Level.RED] == at(2026, 12, 2, 11, 0)
    # before opening (Wednesday 07:15), on a rest day (Saturday): at the start too
    for begun in (at(2026, 12, 2, 7, 15), at(2026, 12, 5, 10, 0)):
        clock = StatutoryClock(begun, Limit(0, Unit.SAME_DAY))
        assert by_level(marks(clock, ladder, cn, begun))[Level.YELLOW] == begun


def test_next_leaves_out_what_fired(cn: WorkingCalendar, ladder: tuple[Rung, ...]) -> None:
    start = at(2026, 12, 1, 10, 0)
    found = marks(StatutoryClock(start, days(3)), ladder, cn, start)
    assert next_at(found, {Level.YELLOW, Level.RED}) == at(2026, 12, 7)
    assert next_at(found, set(Level)) is None
