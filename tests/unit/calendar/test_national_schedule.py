"""The national calendar against chinesecalendar and the State Council notices
(docs/domain.md §working-days)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from engine.calendar import WorkingCalendar


def days(first: str, last: str | None = None) -> list[dt.date]:
    start = dt.date.fromisoformat(first)
    end = dt.date.fromisoformat(last or first)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# 国办发明电〔2005〕35号: "12月31日（星期六）上班" — chinesecalendar has this day as a rest day.
SETTLED_BY_NOTICE = {dt.date(2005, 12, 31): True}


def test_every_day_2004_to_2026_agrees_with_chinesecalendar_but_the_one_settled_day(
    cn: WorkingCalendar,
) -> None:
    disagreements = []
    day = dt.date(2004, 1, 1)
    while day <= dt.date(2026, 12, 31):
        ours = cn.is_working_day(day)
        theirs = chinese_calendar.is_workday(day)
        if ours != theirs:
            disagreements.append(day)
        day += dt.timedelta(days=1)
    assert disagreements == list(SETTLED_BY_NOTICE)


def test_new_year_2006_saturday_make_up_day_is_a_working_day(cn: WorkingCalendar) -> None:
    assert cn.is_working_day(dt.date(2005, 12, 31))
    assert not any(cn.is_working_day(d) for d in days("2006-01-01", "2006-01-03"))
    assert "国办发明电〔2005〕35号" in cn.schedule.workdays[dt.date(2005, 12, 31)]


PUBLISHED = {
    2024: (
        [
            "2024-01-01",
            "2024-02-10..2024-02-17",
            "2024-04-04..2024-04-06",
            "2024-05-01..2024-05-05",
            "2024-06-10",
            "2024-09-15..2024-09-17",
            "2024-10-01..2024-10-07",
        ],
        [
            "2024-02-04",
            "2024-02-18",
            "2024-04-07",
            "2024-04-28",
            "2024-05-11",
            "2024-09-14",
            "2024-09-29",
            "2024-10-12",
        ],
        251,
    ),
    2025: (
        [
            "2025-01-01",
            "2025-01-28..2025-02-04",
            "2025-04-04..2025-04-06",
            "2025-05-01..2025-05-05",
            "2025-05-31..2025-06-02",
            "2025-10-01..2025-10-08",
        ],
        ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
        248,
    ),
    2026: (
        [
            "2026-01-01..2026-01-03",
            "2026-02-15..2026-02-23",
            "2026-04-04..2026-04-06",
            "2026-05-01..2026-05-05",
            "2026-06-19..2026-06-21",
            "2026-09-25..2026-09-27",
            "2026-10-01..2026-10-07",
        ],
        ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
        248,
    ),
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_published_schedule_of_domain_md(cn: WorkingCalendar, year: int) -> None:
    off, make_up, total = PUBLISHED[year]
    for span in off:
        for day in days(*span.split("..")):
            assert not cn.is_working_day(day), day
    for text in make_up:
        day = dt.date.fromisoformat(text)
        assert day.weekday() >= 5 and cn.is_working_day(day), day
    assert cn.working_days_in_year(year) == total


def test_2027_is_provisional_until_published(cn: WorkingCalendar) -> None:
    assert cn.is_provisional(dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert not cn.is_provisional(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    # Estimated from the statutory holidays only: New Year's Day off, no make-up days.
    assert not cn.is_working_day(dt.date(2027, 1, 1))
    assert not any(cn.is_working_day(d) for d in days("2027-10-01", "2027-10-03"))
    assert cn.is_working_day(dt.date(2027, 10, 4))


def test_guangxi_adds_sanyuesan_to_the_national_calendar(
    gx: WorkingCalendar, cn: WorkingCalendar
) -> None:
    for day in days("2024-04-11", "2024-04-12") + days("2025-03-31", "2025-04-01"):
        assert cn.is_working_day(day) and not gx.is_working_day(day)
    # 2023: the national make-up Sunday 04-23 is a day off in Guangxi.
    assert cn.is_working_day(dt.date(2023, 4, 23)) and not gx.is_working_day(dt.date(2023, 4, 23))
    # 2021: Guangxi's own make-up Sunday.
    assert gx.is_working_day(dt.date(2021, 4, 18)) and not cn.is_working_day(dt.date(2021, 4, 18))
    assert gx.working_days_in_year(2026) == cn.working_days_in_year(2026) - 2


def test_guangxi_year_without_its_notice_is_provisional(gx: WorkingCalendar) -> None:
    assert not gx.is_provisional(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert gx.is_provisional(dt.date(2019, 1, 1), dt.date(2019, 12, 31))
    assert gx.is_provisional(dt.date(2027, 1, 1), dt.date(2027, 1, 1))
