"""What supervisors do with a fired level: list it, acknowledge it (签收), and order its step
finished by a date (督办). Each is one unit of work that records a case event."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection
from dataclasses import replace

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine import inputs
from engine.calendar import WorkingCalendar
from engine.cases.case import Actor, Case
from engine.cases.errors import Conflict, IllegalAction, NotPermitted
from engine.cases.machine import Event
from engine.cases.tables import CaseRow, EscalationRow
from engine.cases.users import as_first_allowed
from engine.cases.writes import Writes
from engine.clock import as_utc
from engine.definitions.escalation import Level
from engine.errors import NotFound
from engine.escalation import notices
from engine.escalation.fired import FiringNotices, Names, delivered
from engine.escalation.firings import Firing, tracked_clocks
from engine.retry import CONTENTION
from engine.store.unit_of_work import UnitOfWork
from engine.views.supervision import DeliveredView, EscalationView

SUPERVISORS = ("supervisor", "leader")  # who may order a step finished by a date (督办)
Change = tuple[EscalationRow, Event]  # the row a supervisor changed, and the case event
Supervise = Callable[[UnitOfWork, EscalationRow, Actor, Case, dt.datetime], Change]


class Orders(FiringNotices):
    """Acknowledgements and orders on fired levels."""

    def escalations(
        self,
        *,
        case_id: str | None = None,
        open_only: bool = False,
        departments: Collection[str] | None = None,
        after: tuple[dt.datetime, int] | None = None,
        limit: int = 200,
    ) -> list[EscalationView]:
        """Fired levels, newest first (fired at, then id); `open_only`: not yet acknowledged;
        only those of `departments` when given; `after` (fired at, id): the page after that
        one."""
        fired, escalation_id = col(EscalationRow.fired_at), col(EscalationRow.id)
        query = select(EscalationRow).order_by(fired.desc(), escalation_id.desc())
        if case_id:
            query = query.where(EscalationRow.case_id == case_id)
        if open_only:
            query = query.where(col(EscalationRow.acknowledged_at).is_(None))
        if departments is not None:
            query = query.where(col(EscalationRow.department).in_(sorted(departments)))
        if after is not None:
            at = as_utc(after[0])
            query = query.where(sa.tuple_(fired, escalation_id) < (at, after[1]))
        with UnitOfWork(self.engine) as uow:
            session = uow.session
            return [self._view(session, r) for r in session.execute(query.limit(limit)).scalars()]

    def acknowledge(self, escalation_id: int, *, actor: str) -> EscalationView:
        """A recipient (or a supervisor) has seen the level: recorded on the case (签收)."""

        def change(
            uow: UnitOfWork, esc: EscalationRow, who: Actor, case: Case, now: dt.datetime
        ) -> Change:
            if (who.department, who.role) not in _told(esc) and who.role != "supervisor":
                raise _refuse(
                    esc, who, "ack", "only those told of it, or a supervisor, may", who_refused=True
                )
            esc.acknowledged_by, esc.acknowledged_at = who.name, as_utc(now)
            return esc, Event("escalation.acknowledged", {"escalation": esc.id, "level": esc.level})

        return self._supervise(escalation_id, actor, change, skip=lambda e: bool(e.acknowledged_at))

    def order(
        self, escalation_id: int, *, actor: str, due: dt.datetime | dt.date
    ) -> EscalationView:
        """督办: order the clock's step finished by `due` (a date: its close of business);
        accountability fires if that passes too. The order is told to the department once
        it is recorded."""
        done: list[DeliveredView] = []

        def change(
            uow: UnitOfWork, esc: EscalationRow, who: Actor, case: Case, now: dt.datetime
        ) -> Change:
            if who.role not in SUPERVISORS:
                only = f"only the roles {', '.join(SUPERVISORS)} may"
                raise _refuse(esc, who, "order", only, who_refused=True)
            session = uow.session
            workflow = self.cases.workflows(case.workflow_id, case.workflow_version)
            calendar = self.cases.calendars.get(case.calendar)
            tracked = {t.key: t for t in tracked_clocks(case, workflow)}.get(esc.clock_key)
            if tracked is None or tracked.clock.suspended:
                raise _refuse(esc, who, "order", "its clock is no longer running")
            moment = _close(calendar, due)
            if moment <= now:
                raise _refuse(esc, who, "order", f"the date {moment:%Y-%m-%d} has passed")
            order = session.execute(
                select(EscalationRow).where(
                    EscalationRow.clock_key == esc.clock_key, EscalationRow.level == "order"
                )
            ).scalar_one_or_none()
            notice_id = f"{esc.clock_key}:order@{moment.isoformat()}"
            roles = _told(esc)
            if order is None:
                order = EscalationRow(
                    clock_key=esc.clock_key,
                    case_id=esc.case_id,
                    step_id=esc.step_id,
                    attempt=esc.attempt,
                    level=Level.ORDER.value,
                    department=esc.department,
                    scheduled_at=as_utc(now),
                    fired_at=as_utc(now),
                    notice_id=notice_id,
                    recipients=json.dumps(roles),
                )
                session.add(order)
            order.order_due, order.ordered_by = as_utc(moment), who.name
            firing = Firing(Level.ORDER.value, now, tuple(f"{d}/{r}" for d, r in roles))
            fired = self.firing(case, workflow, calendar, tracked, firing, now, Names(session))
            notice = replace(
                fired.notice,
                notice_id=notice_id,
                due_at=moment,
                remaining=notices.until(calendar, now, moment),
                overdue=None,
                late_by=None,
            )
            sent = replace(fired, notice=notice)
            uow.after_commit(lambda: done.extend(map(delivered, self.deliver(sent).deliveries)))
            return order, Event(
                "escalation.ordered",
                {"clock": esc.clock_key, "step": esc.step_id, "due": moment.isoformat()},
            )

        view = self._supervise(escalation_id, actor, change)
        return view.model_copy(update={"delivered": done})

    def _supervise(
        self,
        escalation_id: int,
        actor: str,
        change: Supervise,
        skip: Callable[[EscalationRow], bool] = lambda _: False,
    ) -> EscalationView:
        """One supervisor's change of a fired level, recorded on its case in one unit of work
        (run again if the case changed meanwhile); the level's view after."""

        def attempt() -> EscalationView:
            now = self.cases.clock()
            with UnitOfWork(self.engine) as uow:
                session = uow.session
                esc = session.get(EscalationRow, inputs.row_id("escalation", escalation_id))
                if esc is None:
                    raise NotFound(f"no escalation {escalation_id}")
                if skip(esc):
                    return self._view(session, esc)
                row = session.get(CaseRow, esc.case_id)
                assert row is not None
                case = Case.from_json(row.snapshot)
                who, (target, event) = as_first_allowed(
                    self.cases.actors(session, actor),
                    lambda who: (who, change(uow, esc, who, case, now)),
                )
                writes = Writes()
                self.cases.record_unchanged(
                    writes, session, row, case, [event], actor=who.name, now=now
                )
                writes.flush(session.connection())
                uow.commit()
                session.refresh(target)
                return self._view(session, target)

        def busy() -> EscalationView:
            raise Conflict(
                "the case kept changing; try again",
                case=str(escalation_id),
                action="supervise",
                actor=actor,
                state="busy",
            )

        return CONTENTION.run(attempt, busy=busy)

    def _view(self, session: Session, row: EscalationRow) -> EscalationView:
        """The row as supervisors see it, its moments in its case's calendar zone."""
        query = select(CaseRow.workflow_id, CaseRow.workflow_version)
        workflow_id, version = session.execute(query.where(CaseRow.id == row.case_id)).one()
        return EscalationView.of(row, self.cases.calendar_of(workflow_id, version))


def _told(esc: EscalationRow) -> list[notices.Role]:
    return [(d, r) for d, r in json.loads(esc.recipients)]


def _refuse(
    esc: EscalationRow, who: Actor, action: str, reason: str, *, who_refused: bool = False
) -> IllegalAction:
    """A refusal of the change (`who_refused`: for who the actor is, so another of the
    user's roles may try)."""
    return (NotPermitted if who_refused else IllegalAction)(
        reason,
        case=esc.case_id,
        action=f"{action} escalation {esc.id}",
        actor=str(who),
        state=f"{esc.level}" + (" acknowledged" if esc.acknowledged_at else ""),
        step=esc.step_id,
    )


def _close(calendar: WorkingCalendar, due: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(due, dt.datetime):
        return calendar.local(due)
    return calendar.close_of_business(calendar.next_working_day(due))
