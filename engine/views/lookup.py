"""What the public status lookup (办件进度查询) shows an applicant who presents the case's query
code: statuses and dates, nothing personal (no applicant data, officer, comment or material)."""

from __future__ import annotations

import datetime as dt

from engine.cases.state import CaseStatus, StepStatus
from engine.views.cases import CaseView, View


class PublicStepView(View):
    id: str
    status: StepStatus


class PublicStatusView(View):
    case: str
    workflow: str
    version: int
    status: CaseStatus
    submitted_on: dt.date
    accepted_on: dt.date | None
    promised_due_on: dt.date | None  # 承诺办结日期, on the calendar (extensions included)
    statutory_due_on: dt.date | None
    closed_on: dt.date | None
    suspended: bool  # the clock waits (a correction, an Art. 45 hold)
    steps: list[PublicStepView]


def public_status(view: CaseView) -> PublicStatusView:
    """The applicant's part of `view` (its dates are the calendar's local dates)."""
    return PublicStatusView(
        case=view.id,
        workflow=view.workflow,
        version=view.version,
        status=view.status,
        submitted_on=view.submitted_at.date(),
        accepted_on=view.accepted_at.date() if view.accepted_at else None,
        promised_due_on=view.promised.due_date if view.promised else None,
        statutory_due_on=view.statutory.due_date if view.statutory else None,
        closed_on=view.closed_at.date() if view.closed_at else None,
        suspended=bool(view.promised and view.promised.suspended),
        steps=[
            PublicStepView(id=s.id, status=s.status)
            for s in view.steps
            if s.status not in (StepStatus.SKIPPED, StepStatus.CANCELLED)
        ],
    )
