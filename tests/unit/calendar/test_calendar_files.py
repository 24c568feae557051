"""Calendar files: official schedules loaded from data, regional overlays, and their mistakes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine.calendar import Limit, load_calendars
from engine.errors import CalendarError, SourceError
from tests.fixtures.definitions import CALENDARS


def folder_with(tmp_path: Path, name: str, text: str) -> Path:
    for path in CALENDARS.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


OFFICIAL_2027 = """\
id: cn
name: national
source: test copy
range: 2004..2040
national: 2004..2026
years:
  2027:
    source: 国办发明电〔2026〕NN号 (a schedule published after the libraries)
    official: true
    days_off: [2027-01-01, {dates: 2027-10-01..2027-10-07, name: 国庆节}]
    workdays: [2027-09-26, 2027-10-09]
"""


def test_a_new_years_schedule_loads_from_a_file_and_stops_being_provisional(
    tmp_path: Path,
) -> None:
    cn = load_calendars(folder_with(tmp_path, "cn.yaml", OFFICIAL_2027)).get("cn")
    due = cn.due(dt.datetime(2027, 9, 30, 10, tzinfo=dt.UTC), Limit(2))
    assert not due.provisional
    assert due.at.date() == dt.date(2027, 10, 9)  # make-up Saturday counts
    assert cn.is_working_day(dt.date(2027, 9, 26))


def test_unknown_calendar_lists_the_known_ones() -> None:
    with pytest.raises(CalendarError, match=r"unknown calendar 'hk' \(known: cn, gx\)"):
        load_calendars(CALENDARS).get("hk")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: xx\nsource: s\nextends: cn\nyears:\n  2026:\n    source: s\n"
            "    days_off: [2026-03-02]\n    workdays: [2026-03-02]\n",
            "bad.yaml:8:16: 2026-03-02 is both off and working (see line 7)",
        ),
        (
            "id: xx\nsource: s\nextends: cn\nyears:\n  2026:\n    source: s\n"
            "    days_off: [2026-03-02, 2026-03-01..2026-03-03]\n",
            "bad.yaml:7:28: 2026-03-02 is listed twice (see line 7)",
        ),
        (
            "id: xx\nsource: s\nextends: cn\nyears:\n  2026:\n    source: s\n"
            "    days_off: [2026-02-30]\n",
            "bad.yaml:7:16: not a date or date range: '2026-02-30'",
        ),
        (
            "id: xx\nsource: s\nextends: cn\nyears:\n  2026:\n    source: s\n"
            "    days_off: [2025-03-02]\n",
            "bad.yaml:7:16: 2025-03-02 is not in year 2026",
        ),
        (
            "id: xx\nsource: s\nextends: cn\nyears:\n  2026:\n    days_off: []\n",
            "bad.yaml:6:5: missing 'source'",
        ),
        ("id: xx\nsource: s\nextends: cn\nholidays: []\n", "bad.yaml:4:1: unknown key 'holidays'"),
        (
            "id: xx\nsource: s\nextends: cn\nbusiness_hours: ['17:00-09:00']\n",
            "bad.yaml:4:18: hours must be increasing",
        ),
        ("id: xx\nsource: s\nextends: mars\n", "bad.yaml:3:10: extends unknown calendar 'mars'"),
        ("id: xx\nsource: s\nextends: cn\nyears: [1\n", "bad.yaml:5:1: malformed YAML"),
    ],
)
def test_mistakes_in_a_calendar_file_point_at_their_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(SourceError) as info:
        load_calendars(folder_with(tmp_path, "bad.yaml", text))
    assert expected in str(info.value).replace(str(tmp_path) + "/", "")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        "id: xx\nsource: s\nextends: cn\nyears:\n  2026:\n    source: s\n    bogus: 1\n"
        "    days_off: [nope]\n"
    )
    with pytest.raises(SourceError) as info:
        load_calendars(folder_with(tmp_path, "bad.yaml", text))
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert ":7:5: unknown key 'bogus'" in lines[0] or ":7:5: unknown key 'bogus'" in lines[1]


def test_calendars_extending_each_other_in_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: a\nsource: s\nextends: b\n")
    (tmp_path / "b.yaml").write_text("id: b\nsource: s\nextends: a\n")
    with pytest.raises(SourceError, match="cycle: a -> b -> a|cycle: b -> a -> b"):
        load_calendars(tmp_path)
