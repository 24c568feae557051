"""Who is told and what the notice says: rung roles resolved in the step's department, the
escalation chain standing in for a role the department lacks, publication-overdue for 双公示,
and the provisional flag of an unpublished year carried into the notice."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from engine.calendar import Limit, StatutoryClock, Unit, WorkingCalendar
from engine.definitions.catalogue import Catalogue, Channel, Department
from engine.escalation import notices
from engine.notify.notice import NoticeKind
from engine.views.cases import clock_view

TZ = ZoneInfo("Asia/Shanghai")
CATALOGUE = Catalogue(
    roles={"reviewer": "审核人员", "head": "负责人", "supervisor": "电子监察"},
    departments={
        "lab": Department(
            id="lab",
            name="检测中心",
            roles=("reviewer",),
            escalation=("reviewer", "office/head"),
            channels={"reviewer": (Channel(kind="email", address="lab@x.example"),)},
        ),
        "office": Department(id="office", name="办公室", roles=("head", "supervisor")),
    },
)


def test_a_role_the_department_lacks_is_taken_by_its_escalation_chain() -> None:
    assert notices.recipients(CATALOGUE, "lab", ["reviewer", "head"]) == (
        ("lab", "reviewer"),
        ("office", "head"),
    )
    assert notices.recipients(CATALOGUE, "lab", ["office/supervisor"]) == (
        ("office", "supervisor"),
    )


def test_channels_per_role_with_the_log_by_default() -> None:
    found = notices.channels(CATALOGUE, [("lab", "reviewer"), ("office", "head")])
    assert [(c.kind.value, c.target) for c in found] == [("email", "lab@x.example"), ("log", "log")]


def test_a_publication_step_turns_red_as_publication_overdue() -> None:
    assert notices.notice_kind("red", publication=True) is NoticeKind.PUBLICATION_OVERDUE
    assert notices.notice_kind("yellow", publication=True) is NoticeKind.YELLOW
    assert notices.notice_kind("reminder-3") is NoticeKind.REMINDER
    assert notices.notice_kind("accountability") is NoticeKind.ACCOUNTABILITY


def test_a_deadline_in_an_unpublished_year_is_flagged_in_the_notice(cn: WorkingCalendar) -> None:
    start = dt.datetime(2027, 3, 2, 10, 0, tzinfo=TZ)
    clock = clock_view(StatutoryClock(start, Limit(3, Unit.WORKING_DAYS)), cn, start)
    notice = notices.build(
        notices.Subject("C-1", "一件事", "lab", "review", "审核"),
        notice_id="C-1:review:1:yellow",
        kind=NoticeKind.YELLOW,
        clock=clock,
        catalogue=CATALOGUE,
        told=(),
    )
    assert notice.provisional and notice.department == "检测中心"
    assert notice.remaining is not None and notice.remaining.days == clock.remaining_working_days
    assert notice.due_at == clock.due and notice.due_at.utcoffset() == dt.timedelta(hours=8)
