"""What supervisors and the public see: escalations (监察记录), what a sweep fired, the
deliveries of its notices and the public listing of decisions (双公示). Moments in the
calendar's zone with their offset."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Literal

from engine.calendar import WorkingCalendar
from engine.clock import as_utc
from engine.escalation.firings import clock_kind
from engine.notify.notice import NoticeKind
from engine.views.cases import View

if TYPE_CHECKING:
    from engine.cases.tables import EscalationRow
    from engine.notify.tables import NotifyDelivery


class DeliveredView(View):
    """What became of one channel of a notice just sent."""

    channel: str
    target: str
    status: str | None  # the delivery record's status; None when even recording failed


class DeliveryView(View):
    """A delivery record (投递记录) as the CLI and the API show it (the stored notice and the
    secret's name left out); moments in UTC, as a delivery belongs to no calendar."""

    id: int
    delivery_id: str
    notice_id: str
    channel: str
    target: str
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    sent_at: dt.datetime | None

    @classmethod
    def of(cls, row: NotifyDelivery) -> DeliveryView:
        return cls.model_validate(row, from_attributes=True)


class FiredView(View):
    """One level a sweep fired (or, dry, would fire); `id` once recorded."""

    id: int | None
    case: str
    step: str | None  # None: the case's own (promised) clock
    level: str
    kind: NoticeKind
    scheduled_at: dt.datetime
    due: dt.datetime
    late_by_seconds: int | None  # fired late, after downtime (补发)
    provisional: bool
    recipients: list[str]  # department/role
    delivered: list[DeliveredView]


class SweepView(View):
    """A sweep's report: how many cases it looked at and what fired."""

    at: dt.datetime
    dry_run: bool
    cases: int
    fired: list[FiredView]


class EscalationView(View):
    """A fired level as recorded, with its acknowledgement (签收) and order (督办)."""

    id: int
    case: str
    step: str | None
    clock: str  # step | promised | acceptance | negative (`engine.escalation.firings`)
    attempt: int
    level: str
    department: str
    scheduled_at: dt.datetime
    fired_at: dt.datetime
    late_by_seconds: int | None
    provisional: bool
    notice: str
    recipients: list[str]
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    order_due: dt.datetime | None
    ordered_by: str | None
    delivered: list[DeliveredView] = []  # the order's notices, when one was just given

    @classmethod
    def of(cls, row: EscalationRow, calendar: WorkingCalendar) -> EscalationView:
        def local(moment: dt.datetime | None) -> dt.datetime | None:
            return None if moment is None else calendar.local(as_utc(moment))

        assert row.id is not None
        scheduled, fired = local(row.scheduled_at), local(row.fired_at)
        assert scheduled is not None and fired is not None
        return cls(
            id=row.id,
            case=row.case_id,
            step=row.step_id,
            clock=clock_kind(row.clock_key),
            attempt=row.attempt,
            level=row.level,
            department=row.department,
            scheduled_at=scheduled,
            fired_at=fired,
            late_by_seconds=row.late_by_seconds,
            provisional=row.provisional,
            notice=row.notice_id,
            recipients=[f"{d}/{r}" for d, r in json.loads(row.recipients)],
            acknowledged_by=row.acknowledged_by,
            acknowledged_at=local(row.acknowledged_at),
            order_due=local(row.order_due),
            ordered_by=row.ordered_by,
        )


class PublicationView(View):
    """One row of the public listing (行政许可信息公示); due within 7 working days."""

    decision_number: str
    matter: str
    holder: str
    credit_code: str
    content: str
    agency: str
    decided_at: dt.datetime
    publish_by: dt.datetime
    published_at: dt.datetime | None
    status: Literal["published", "due", "overdue"]
    case: str


PUBLICATION_FIELDS = tuple(PublicationView.model_fields)  # the CSV export's columns
