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
