"""What is being notified: a supervision notice (监察通知), independent of how it is sent.

Every figure in a notice is computed upstream (the working-day calendar, the escalation sweep);
this module only holds and checks them. Times are aware datetimes handed in, never read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from engine.errors import InputError


class NoticeKind(StrEnum):
    """The rung of the supervision ladder a notice reports, or a late publication
    (docs/domain.md §supervision, §publication)."""

    YELLOW = "yellow"  # 黄牌预警: most of the promised time has passed
    RED = "red"  # 红牌: overdue
    SUPERVISION = "supervision"  # 督办: escalated to the supervision office
    ORDER = "order"  # 限期办结令: an order to finish by a date
    ACCOUNTABILITY = "accountability"  # 问责: the order's date passed too
    REMINDER = "reminder"  # 催办: a repeated reminder until the step moves
    PUBLICATION_OVERDUE = "publication-overdue"  # 公示逾期: 双公示 not done within 7 working days
    SOURCE_CHANGED = "source-changed"  # 证照变更: a certificate a case relied on was revoked


@dataclass(frozen=True)
class WorkingTime:
    """Remaining or overdue time, both figures as the calendar's clock reading gives them:
    `days` working days (`remaining_working_days`) and, in all, `minutes` working minutes
    (`remaining_minutes`); the minutes are the whole span, not what is left after the days."""

    days: int = 0
    minutes: int = 0

    def __post_init__(self) -> None:
        for name in ("days", "minutes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"working time needs whole {name} >= 0, not {value!r}")


@dataclass(frozen=True)
class Recipient:
    """A person on the department's escalation chain, by name and role (e.g. 科长)."""

    name: str
    role: str = ""


@dataclass(frozen=True)
class SupervisionNotice:
    """One supervision event to tell people about.

    `notice_id` is the caller's dedupe key (one per escalation event): delivering the same
    notice again to the same target is a no-op. `remaining` and `overdue` are exclusive.
    `provisional` marks a due time in a year whose holiday schedule is not yet published;
    `late_by` is set when the event fired late, after downtime; `detail` says what happened
    when the kind alone does not (which certificate, why).
    """

    notice_id: str
    kind: NoticeKind
    case_id: str
    workflow_title: str
    department: str
    due_at: datetime
    step_id: str | None = None
    step_title: str | None = None
    remaining: WorkingTime | None = None
    overdue: WorkingTime | None = None
    provisional: bool = False
    late_by: timedelta | None = None
    recipients: tuple[Recipient, ...] = field(default_factory=tuple)
    detail: str | None = None

    def __post_init__(self) -> None:
        if not self.notice_id.strip():
            raise InputError("a notice needs a non-empty notice_id (its dedupe key)")
        if self.due_at.tzinfo is None or self.due_at.utcoffset() is None:
            raise InputError(f"notice {self.notice_id}: due_at must be timezone-aware")
        if self.remaining is not None and self.overdue is not None:
            raise InputError(f"notice {self.notice_id}: remaining and overdue are exclusive")
        if self.late_by is not None and self.late_by < timedelta(0):
            raise InputError(f"notice {self.notice_id}: late_by cannot be negative")
        object.__setattr__(self, "kind", NoticeKind(self.kind))
        object.__setattr__(self, "recipients", tuple(self.recipients))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: stored with each delivery and sent in the webhook payload."""
        return {
            "notice_id": self.notice_id,
            "kind": self.kind.value,
            "case_id": self.case_id,
            "workflow_title": self.workflow_title,
            "department": self.department,
            "due_at": self.due_at.isoformat(),
            "step_id": self.step_id,
            "step_title": self.step_title,
            "remaining": _span_dict(self.remaining),
            "overdue": _span_dict(self.overdue),
            "provisional": self.provisional,
            "late_by_seconds": None if self.late_by is None else int(self.late_by.total_seconds()),
            "recipients": [{"name": r.name, "role": r.role} for r in self.recipients],
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SupervisionNotice:
        """The inverse of `to_dict`."""
        late = data.get("late_by_seconds")
        return cls(
            notice_id=data["notice_id"],
            kind=NoticeKind(data["kind"]),
            case_id=data["case_id"],
            workflow_title=data["workflow_title"],
            department=data["department"],
            due_at=datetime.fromisoformat(data["due_at"]),
            step_id=data.get("step_id"),
            step_title=data.get("step_title"),
            remaining=_span(data.get("remaining")),
            overdue=_span(data.get("overdue")),
            provisional=bool(data.get("provisional", False)),
            late_by=None if late is None else timedelta(seconds=late),
            recipients=tuple(Recipient(**r) for r in data.get("recipients", ())),
            detail=data.get("detail"),
        )


def _span_dict(span: WorkingTime | None) -> dict[str, int] | None:
    return None if span is None else {"days": span.days, "minutes": span.minutes}


def _span(data: dict[str, int] | None) -> WorkingTime | None:
    return None if data is None else WorkingTime(**data)
