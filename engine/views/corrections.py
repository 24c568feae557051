"""The case's one open correction (一次告知, Art. 32) as users see it: a draft or the notice
issued, each item with who asked for it and whether it is still awaited."""

from __future__ import annotations

import datetime as dt

from engine.calendar import WorkingCalendar
from engine.cases.case import Correction, CorrectionState
from engine.cases.corrections import issue_due
from engine.views.base import View


class CorrectionItemView(View):
    """One item of the correction: a material (`key` its id) or free text (`key` `note-N`),
    who asked for it, and its answer once the supplement brought it."""

    key: str
    text: str
    material: bool
    asked_by: str  # the step, or `intake`
    actor: str
    asked_at: dt.datetime
    reason: str
    answered_at: dt.datetime | None
    answer: str | None
    after_issue: bool  # asked after the notice went out: a breach of the one notice


class CorrectionView(View):
    """The case's one open correction (一次告知, Art. 32): a draft gathering the branches'
    requests (to be issued by `issue_by` at the latest), or the notice issued."""

    state: CorrectionState
    opened_at: dt.datetime
    issue_by: dt.datetime | None  # a draft's Art. 32 limit
    issued_at: dt.datetime | None
    issued_by: str | None
    items: list[CorrectionItemView]
    awaited: list[str]  # the keys of the items not yet answered
    asked_by: list[str]  # the steps (or `intake`) that asked, in order
    steps: list[str]  # the steps whose clocks it stopped


def correction_view(correction: Correction, calendar: WorkingCalendar) -> CorrectionView:
    local = calendar.local
    return CorrectionView(
        state=correction.state,
        opened_at=local(correction.opened_at),
        issue_by=_local(calendar, issue_due(correction, calendar)),
        issued_at=_local(calendar, correction.issued_at),
        issued_by=correction.issued_by,
        items=[
            CorrectionItemView(
                key=i.key,
                text=i.text,
                material=i.material,
                asked_by=i.asked_by,
                actor=i.actor,
                asked_at=local(i.asked_at),
                reason=i.reason,
                answered_at=_local(calendar, i.answered_at),
                answer=i.answer,
                after_issue=i.after_issue,
            )
            for i in correction.items
        ],
        awaited=[i.key for i in correction.awaited],
        asked_by=correction.asked_by,
        steps=correction.steps,
    )


def _local(calendar: WorkingCalendar, moment: dt.datetime | None) -> dt.datetime | None:
    return calendar.local(moment) if moment is not None else None
