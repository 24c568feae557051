"""A case's documents (文书) are read from its view and event log: numbered in the order they
were issued, dated on the calendar, the licence decision from the certificate the decision
issued."""

from __future__ import annotations

import pytest

from engine.calendar import WorkingCalendar
from engine.definitions.model import Workflow
from engine.views.cases import EventView, case_view
from engine.views.documents import DocumentKind, documents_of
from tests.fixtures.desk import Desk, at
from tests.fixtures.road_works import road_works


@pytest.fixture
def desk(cn: WorkingCalendar) -> Desk:
    return Desk(Workflow.model_validate(road_works()), cn)


def test_documents_are_numbered_in_the_order_issued_with_their_local_date(desk: Desk) -> None:
    case = desk.accepted(now=at(10, 12, 9))
    view = case_view(case, desk.calendar, at(10, 13))
    issued = EventView(
        seq=99,
        at=desk.calendar.local(at(10, 13, 16)),
        actor="chen",
        kind="certificate.issued",
        data={"type": "road-occupation-permit", "number": "LZ-2026-0001", "step": "municipal"},
    )
    found = documents_of(view, [issued])
    assert [d.kind for d in found] == [DocumentKind.ACCEPTANCE, DocumentKind.LICENCE]
    assert [d.number for d in found] == [
        f"受〔2026〕{case.id}-1号",
        f"准许〔2026〕{case.id}-2号",
    ]
    assert found[0].issued_at.date().isoformat() == "2026-10-12"
    licence = found[1]
    assert licence.title == "准予行政许可决定书" and licence.certificate == "LZ-2026-0001"


def test_a_notice_that_is_not_a_document_gives_none(desk: Desk) -> None:
    case = desk.accepted(now=at(10, 12, 9))
    view = case_view(case, desk.calendar, at(10, 13))
    kinds = {n.kind for n in view.notices}
    assert "acceptance" in kinds
    assert [d.kind for d in documents_of(view, [])] == [DocumentKind.ACCEPTANCE]
