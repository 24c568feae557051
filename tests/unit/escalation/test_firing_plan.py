"""What fires on one clock at a moment: missed levels after downtime, reminders (催办) at the
ladder's interval from the red card on, and an order's date (督办) moving accountability."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from engine.calendar import Limit, StatutoryClock, Unit, WorkingCalendar
from engine.definitions.escalation import Rung
from engine.escalation.firings import Past, Tracked, plan_firings

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ)  # a 3-working-day step: due Fri 12-04


def at(day: int, hour: int = 17, minute: int = 30) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def tracked(ladder: tuple[Rung, ...], clock: StatutoryClock | None = None) -> Tracked:
    return Tracked(
        key="C-1:review:1",
        case_id="C-1",
        step_id="review",
        attempt=1,
        department="transport",
        clock=clock or StatutoryClock(START, Limit(3, Unit.WORKING_DAYS)),
        ladder=ladder,
    )


def test_before_yellow_nothing_is_due_and_the_next_is_yellow(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    found = plan_firings(tracked(ladder), cn, at(2, 12, 0))
    assert found.due == ()
    assert found.next_at == at(3)


def test_after_downtime_every_missed_level_fires_in_ladder_order(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    found = plan_firings(tracked(ladder), cn, at(7, 18, 0))  # down from Thursday to Monday evening
    assert [f.level for f in found.due] == ["yellow", "red", "supervision"]
    assert [f.scheduled_at for f in found.due] == [at(3), at(4), at(7)]
    assert found.next_at == at(3)  # until they are recorded, the index still points at them
    after = plan_firings(
        tracked(ladder), cn, at(7, 18, 0), Past(frozenset(f.level for f in found.due))
    )
    assert after.due == ()
    assert after.next_at == at(8)  # reminder-2 (Tuesday) comes before the order (Wednesday)


def test_reminders_repeat_each_working_day_between_and_after_the_levels(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    fired = Past(frozenset({"yellow", "red", "supervision"}))
    tuesday = plan_firings(tracked(ladder), cn, at(8), fired)
    assert [(f.level, f.scheduled_at) for f in tuesday.due] == [("reminder-2", at(8))]
    sent = Past(fired.fired | {"reminder-2"})
    assert plan_firings(tracked(ladder), cn, at(8), sent).next_at == at(9)  # the order
    later = Past(
        frozenset({"yellow", "red", "supervision", "order", "accountability", "reminder-2"})
    )
    # After a long outage only the latest reminder is sent, not one per missed day.
    found = plan_firings(tracked(ladder), cn, at(17, 12, 0), later)
    assert [f.level for f in found.due] == ["reminder-8"]
    assert found.due[0].scheduled_at == at(16)
    sent = Past(later.fired | {"reminder-8"})
    assert plan_firings(tracked(ladder), cn, at(17, 12, 0), sent).next_at == at(17)


def test_an_order_date_moves_accountability(cn: WorkingCalendar, ladder: tuple[Rung, ...]) -> None:
    fired = frozenset({"yellow", "red", "supervision", "order", "reminder-2"})
    found = plan_firings(tracked(ladder), cn, at(10, 10, 0), Past(fired, order_due=at(15)))
    assert found.due == ()
    assert [(f.level, f.scheduled_at) for f in found.pending] == [("accountability", at(15))]
    assert found.next_at == at(10)  # reminder-4 (12-10 is D+4; D+3 was the order)


def test_a_level_due_at_an_out_of_hours_start_is_due_then_not_hours_before(
    cn: WorkingCalendar, ladder: tuple[Rung, ...]
) -> None:
    accepted = at(1, 22, 44)  # after close: a same-day step's yellow is due at once
    clock = StatutoryClock(accepted, Limit(0, Unit.SAME_DAY))
    before = plan_firings(tracked(ladder, clock), cn, at(1, 22, 43))
    assert before.due == () and before.next_at == accepted
    found = plan_firings(tracked(ladder, clock), cn, accepted + dt.timedelta(minutes=4, seconds=12))
    assert [(f.level, f.scheduled_at) for f in found.due] == [("yellow", accepted)]
    assert found.after == at(2)  # red at Wednesday's close


def test_a_stopped_clock_plans_nothing(cn: WorkingCalendar, ladder: tuple[Rung, ...]) -> None:
    clock = StatutoryClock(START, Limit(3, Unit.WORKING_DAYS)).suspend(at(2, 10, 0), "检测")
    found = plan_firings(tracked(ladder, clock), cn, at(20))
    assert found.due == () and found.next_at is None
