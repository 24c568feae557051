"""The case's Gantt chart is drawn from its view and the working calendar alone: the days
it shades are the calendar's, its due lines stand on the clocks' due dates, and what colour
shows is also said in words."""

from __future__ import annotations

import re

import pytest

from engine.calendar import WorkingCalendar
from engine.definitions.model import Workflow
from engine.pages.gantt import MIN_BAR, gantt_svg
from engine.views.cases import case_view
from tests.fixtures.desk import Desk, at, officer
from tests.fixtures.road_works import road_works


@pytest.fixture
def desk(cn: WorkingCalendar) -> Desk:
    return Desk(Workflow.model_validate(road_works()), cn)


def dates(svg: str, kind: str) -> list[str]:
    return re.findall(rf'class="{kind}" data-date="([0-9-]+)"', svg)


def test_national_day_is_shaded_and_the_make_up_saturday_worked(desk: Desk) -> None:
    case = desk.accepted(now=at(9, 30, 9))
    svg = gantt_svg(case_view(case, desk.calendar, at(10, 12, 9)), desk.calendar, "zh")
    assert dates(svg, "day holiday") == [f"2026-10-0{d}" for d in (1, 2, 5, 6, 7)]
    assert dates(svg, "day makeup") == ["2026-10-10"]  # State Council: Saturday worked
    assert "2026-10-03" in dates(svg, "day weekend")
    assert dates(svg, "today") == ["2026-10-12"]


def test_the_due_lines_stand_on_the_clocks_due_dates(desk: Desk) -> None:
    case = desk.accepted(now=at(9, 30, 9))
    view = case_view(case, desk.calendar, at(10, 12, 9))
    svg = gantt_svg(view, desk.calendar, "en")
    assert view.promised is not None and view.statutory is not None
    assert dates(svg, "due promised") == [view.promised.due_date.isoformat()]
    assert dates(svg, "due statutory") == [view.statutory.due_date.isoformat()]


def test_a_suspended_step_says_so_in_words(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case, "suspend", officer("municipal"), at(12, 1, 11), step="municipal", reason="专家评审"
    )
    svg = gantt_svg(case_view(case, desk.calendar, at(12, 2)), desk.calendar, "zh")
    assert 'class="bar suspended"' in svg
    assert "已中止" in svg


def test_a_same_day_step_has_a_bar_one_can_see_and_its_title(cn: WorkingCalendar) -> None:
    data = road_works()
    data["steps"][0]["limit"] = "same-day"  # 当场办结: due the day it starts
    desk = Desk(Workflow.model_validate(data), cn)
    case = desk.accepted(now=at(10, 12, 9))
    view = case_view(case, desk.calendar, at(10, 12, 10))
    name = "占用挖掘城市道路审批（含占道施工与恢复）"
    svg = gantt_svg(view, desk.calendar, "zh", titles={"municipal": name})
    bar = r'class="bar [a-z-]+" data-step="municipal" x="\d+" y="\d+" width="(\d+)"'
    widths = re.findall(bar, svg)
    assert widths and int(widths[0]) >= MIN_BAR
    assert f"<title>{name}</title>{name[:13]}…" in svg  # shortened, whole on hover


def test_a_stop_of_the_clock_is_hatched_from_its_day(desk: Desk) -> None:
    case = desk.accepted(now=at(12, 1))
    case = desk.act(
        case, "suspend", officer("municipal"), at(12, 1, 11), step="municipal", reason="专家评审"
    )
    svg = gantt_svg(case_view(case, desk.calendar, at(12, 3)), desk.calendar, "en")
    # the step's clock, and the case's with it (Art. 45: the time is not counted)
    holds = re.findall(r'class="hold" data-start="([0-9-]+)" data-end="([0-9-]+)"', svg)
    assert holds and set(holds) == {("2026-12-01", "2026-12-03")}
    assert "专家评审" in svg
