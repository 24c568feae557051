"""When a provisional year's schedule is published, open deadlines are recomputed and recorded."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from engine.calendar import load_calendars
from engine.cases.service import CaseService
from tests.fixtures.cases import TZ, Clock
from tests.fixtures.definitions import ROOT
from tests.fixtures.road_works import APPLICATION

OFFICIAL_2027 = """
  2027:
    source: 国办发明电〔2026〕NN号 (a test copy of a schedule published after the libraries)
    official: true
    days_off: [{dates: 2027-01-01..2027-01-04, name: 元旦}]
"""


def test_publishing_2027_moves_a_provisional_deadline_and_records_it(
    service: CaseService, clock: Clock, tmp_path: Path
) -> None:
    clock.now = dt.datetime(2026, 12, 29, 10, tzinfo=TZ)
    case_id = service.submit("road-works", APPLICATION).id
    service.act(case_id, "accept", actor="wang")
    step = next(s for s in service.show(case_id).steps if s.id == "municipal")
    assert step.clock is not None
    assert step.clock.due_date == dt.date(2027, 1, 4)  # estimated: only 01-01 is off
    assert step.clock.provisional is True
    assert service.recompute_deadlines() == []  # nothing changed yet

    folder = tmp_path / "calendars"
    shutil.copytree(ROOT / "definitions" / "calendars", folder)
    cn = folder / "cn.yaml"
    cn.write_text(cn.read_text(encoding="utf-8") + OFFICIAL_2027, encoding="utf-8")
    service.calendars = load_calendars(folder)

    moved = service.recompute_deadlines()
    municipal = next(m for m in moved if m.step == "municipal")
    assert municipal.case == case_id and municipal.new_due.date() == dt.date(2027, 1, 5)
    assert municipal.provisional is False
    step = next(s for s in service.show(case_id).steps if s.id == "municipal")
    assert step.clock is not None
    assert step.clock.due_date == dt.date(2027, 1, 5) and step.clock.provisional is False
    events = [e for e in service.timeline(case_id) if e.kind == "deadlines.recomputed"]
    assert len(events) == 1
    assert service.verify(case_id) == []
    assert service.recompute_deadlines() == []  # recorded once


def test_recompute_moves_the_case_deadlines_and_names_the_layers_still_provisional(
    service: CaseService, clock: Clock, tmp_path: Path
) -> None:
    """The case's promised and statutory deadlines move with the calendar as the steps' do,
    reported in local time; a 2027 national schedule does not settle Guangxi's 2027 壮族三月三."""
    clock.now = dt.datetime(2026, 12, 29, 10, tzinfo=TZ)
    case_id = service.submit("road-works", APPLICATION).id
    service.act(case_id, "accept", actor="wang")
    promised = service.show(case_id).promised
    assert promised is not None and promised.due_date == dt.date(2027, 1, 13)  # estimated

    folder = tmp_path / "calendars"
    shutil.copytree(ROOT / "definitions" / "calendars", folder)
    cn = folder / "cn.yaml"
    cn.write_text(cn.read_text(encoding="utf-8") + OFFICIAL_2027, encoding="utf-8")
    service.calendars = load_calendars(folder)

    moved = {(m.clock, m.step): m for m in service.recompute_deadlines()}
    case_promise = moved[("promised", None)]
    assert case_promise.old_due.isoformat() == "2027-01-13T17:30:00+08:00"
    assert case_promise.new_due.isoformat() == "2027-01-14T17:30:00+08:00"  # 01-04 is off
    assert case_promise.provisional is False and case_promise.unsettled_layers == []
    statutory = moved[("statutory", None)]
    assert statutory.new_due > statutory.old_due
    shown = service.show(case_id).promised
    assert shown is not None and shown.due_date == dt.date(2027, 1, 14)
    assert service.recompute_deadlines() == []  # recorded once
    assert service.verify(case_id) == []
    # the national layer is settled for 2027; Guangxi's own days for 2027 are not yet loaded
    assert service.calendars.unsettled("cn", 2027) == []
    assert service.calendars.unsettled("gx", 2027) == ["gx"]
