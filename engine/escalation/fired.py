"""A fired level (or one that would fire): its notice, whom it tells and over which channels,
built alike for the sweep and for a supervisor's order; and its delivery after the commit."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Engine
from sqlmodel import Session, select

from engine.calendar import WorkingCalendar
from engine.cases.case import Case
from engine.cases.service import CaseService
from engine.cases.tables import UserRoleRow
from engine.definitions.catalogue import Catalogue
from engine.definitions.model import Workflow
from engine.escalation import notices
from engine.escalation.firings import Firing, Tracked
from engine.notify import rounds
from engine.notify.channels import ChannelConfig
from engine.notify.dispatch import DeliveryResult, Dispatcher
from engine.notify.notice import SupervisionNotice
from engine.views.cases import clock_view
from engine.views.supervision import DeliveredView, FiredView

logger = logging.getLogger("onething.escalation")


@dataclass(frozen=True)
class Fired:
    """One level fired by a sweep (or, in a forecast, one that would fire)."""

    case_id: str
    step_id: str | None
    level: str
    scheduled_at: dt.datetime
    department: str
    recipients: tuple[notices.Role, ...]
    notice: SupervisionNotice
    channels: tuple[ChannelConfig, ...]
    escalation_id: int | None = None
    deliveries: tuple[DeliveryResult, ...] = ()

    @property
    def late_by(self) -> dt.timedelta | None:
        return self.notice.late_by

    def view(self) -> FiredView:
        return FiredView(
            id=self.escalation_id,
            case=self.case_id,
            step=self.step_id,
            level=self.level,
            kind=self.notice.kind,
            scheduled_at=self.scheduled_at,
            due=self.notice.due_at,
            late_by_seconds=(
                int(self.late_by.total_seconds()) if self.late_by is not None else None
            ),
            provisional=self.notice.provisional,
            recipients=[f"{d}/{r}" for d, r in self.recipients],
            delivered=[delivered(d) for d in self.deliveries],
        )


def delivered(result: DeliveryResult) -> DeliveredView:
    """What became of one channel of a notice just sent."""
    return DeliveredView(channel=result.channel.value, target=result.target, status=result.status)


class Names:
    """The officers holding a role, read once per role within one transaction."""

    def __init__(self, session: Session):
        self.session = session
        self.known: dict[tuple[str, str], list[str]] = {}

    def __call__(self, department: str, role: str) -> Sequence[str]:
        key = (department, role)
        if key not in self.known:
            query = select(UserRoleRow.user_name).where(
                UserRoleRow.department == department, UserRoleRow.role == role
            )
            names = self.session.execute(query.order_by(UserRoleRow.user_name)).scalars()
            self.known[key] = list(names)
        return self.known[key]


class FiringNotices:
    """The notice of a fired level and its delivery, shared by the sweep and the orders: over
    the case service, the catalogue and the dispatcher."""

    cases: CaseService
    catalogue: Catalogue
    dispatcher: Dispatcher | None
    late_after: dt.timedelta

    @property
    def engine(self) -> Engine:
        return self.cases.engine

    def firing(
        self,
        case: Case,
        workflow: Workflow,
        calendar: WorkingCalendar,
        tracked: Tracked,
        firing: Firing,
        now: dt.datetime,
        names: Names,
    ) -> Fired:
        """The level `firing` of the clock `tracked` as fired at `now`, with its notice."""
        roles = notices.recipients(self.catalogue, tracked.department, firing.notify)
        # Late (补发) only past `late_after` from when the level fell due, which is never before
        # its clock started (`ladder.fires_at`): a level due at an out-of-hours acceptance
        # fired by the next sweep is on time.
        lateness = now - firing.scheduled_at
        notice = notices.build(
            _subject(case, workflow, tracked),
            notice_id=f"{tracked.key}:{firing.level}",
            kind=notices.notice_kind(firing.level, publication=tracked.publication),
            clock=clock_view(tracked.clock, calendar, now),
            catalogue=self.catalogue,
            told=notices.people(self.catalogue, roles, names),
            late_by=lateness if lateness > self.late_after else None,
        )
        return Fired(
            case_id=case.id,
            step_id=tracked.step_id,
            level=firing.level,
            scheduled_at=firing.scheduled_at,
            department=tracked.department,
            recipients=roles,
            notice=notice,
            channels=tuple(notices.channels(self.catalogue, roles)),
        )

    def deliver(self, fired: Fired) -> Fired:
        """After the commit: send one notice, and never let a failure reach the escalation."""
        if self.dispatcher is None or not fired.channels:
            return fired
        try:
            with Session(self.engine) as session:
                results = self.dispatcher.dispatch(session, fired.notice, fired.channels)
        except Exception:  # the dispatcher does not raise; a bug there must not stop the sweep
            logger.exception("notice %s: not dispatched", fired.notice.notice_id)
            return fired
        return replace(fired, deliveries=tuple(results))

    def deliver_round(self, fired: list[Fired], *, down: set[str]) -> list[Fired]:
        """After a sweep's commit: every notice of the batch in one round of bounded time
        (`engine.notify.rounds`); `down`, the endpoints the sweep found unreachable so far."""
        if self.dispatcher is None:
            return fired
        wanted = [(f.notice, f.channels) for f in fired]
        results = rounds.deliver_round(self.dispatcher, self.engine, wanted, down=down)
        return [replace(f, deliveries=tuple(r)) for f, r in zip(fired, results, strict=True)]


def _subject(case: Case, workflow: Workflow, tracked: Tracked) -> notices.Subject:
    step = workflow.step(tracked.step_id) if tracked.step_id else None
    title = step.title if step else None
    if tracked.negative is not None:  # what the leader has to decide, and which matter
        title = f"否定事项报备 {tracked.negative}：分管领导审定"
    return notices.Subject(
        case_id=case.id,
        workflow_title=workflow.title,
        department=tracked.department,
        step_id=tracked.step_id,
        step_title=title,
    )
