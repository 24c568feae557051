"""Who hears of a level and what they read: recipients, channels and the notice (pure).

A rung names roles (`head`, `supervision/supervisor`) relative to the step's department; a role
the department does not have falls back to the department's escalation chain (the next one
told). Every figure of the notice comes from the clock's reading on the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from engine.calendar import WorkingCalendar
from engine.definitions.catalogue import Catalogue, Channel
from engine.definitions.escalation import Level
from engine.escalation.firings import reminder_number
from engine.notify.channels import ChannelConfig
from engine.notify.notice import NoticeKind, Recipient, SupervisionNotice, WorkingTime
from engine.views.cases import ClockView

Role = tuple[str, str]  # (department, role)
People = Callable[[str, str], Sequence[str]]  # the names of the officers holding a role

LEVEL_KINDS = {
    Level.YELLOW: NoticeKind.YELLOW,
    Level.RED: NoticeKind.RED,
    Level.SUPERVISION: NoticeKind.SUPERVISION,
    Level.ORDER: NoticeKind.ORDER,
    Level.ACCOUNTABILITY: NoticeKind.ACCOUNTABILITY,
}


_BEFORE_THE_DEADLINE = frozenset({NoticeKind.YELLOW})


def notice_kind(level: str, *, publication: bool = False) -> NoticeKind:
    """The notice of a level: a reminder is 催办; a 双公示 step's red card is 公示逾期."""
    if reminder_number(level) is not None:
        return NoticeKind.REMINDER
    if publication and level == Level.RED.value:
        return NoticeKind.PUBLICATION_OVERDUE
    return LEVEL_KINDS[Level(level)]


def recipients(catalogue: Catalogue, department: str, refs: Iterable[str]) -> tuple[Role, ...]:
    """The (department, role) pairs a rung names, the chain standing in for unknown roles."""
    if department not in catalogue.departments:
        return ()
    chain = [r for r in catalogue.escalation_chain(department) if _exists(catalogue, r)]
    found: list[Role] = []
    for ref in refs:
        role = catalogue.resolve_role(ref, department=department)
        if not _exists(catalogue, role):
            role = next((r for r in chain if r not in found), role)
        if _exists(catalogue, role) and role not in found:
            found.append(role)
    if not found and chain:
        found.append(chain[0])
    return tuple(found)


def _exists(catalogue: Catalogue, role: Role) -> bool:
    department = catalogue.departments.get(role[0])
    return department is not None and role[1] in department.roles


def channels(catalogue: Catalogue, roles: Iterable[Role]) -> list[ChannelConfig]:
    """Every channel of every role told, once each."""
    found: dict[ChannelConfig, None] = {}
    for department, role in roles:
        for channel in catalogue.channels_for(department, role):
            found[_config(channel)] = None
    return list(found)


def _config(channel: Channel) -> ChannelConfig:
    return ChannelConfig.from_mapping(
        {
            "kind": channel.kind.value,
            "url": channel.url,
            "to": channel.address,
            "secret_env": channel.secret_env,
        }
    )


def people(catalogue: Catalogue, roles: Iterable[Role], names: People) -> tuple[Recipient, ...]:
    """The officers holding each role, or the role itself when nobody is registered in it."""
    found = []
    for department, role in roles:
        title = catalogue.roles.get(role, role)
        where = catalogue.departments[department].name
        held = list(names(department, role))
        found += [Recipient(name, title) for name in held] or [Recipient(where, title)]
    return tuple(found)


@dataclass(frozen=True)
class Subject:
    """What a notice is about: the case, the step (None for the case clock), the workflow."""

    case_id: str
    workflow_title: str
    department: str
    step_id: str | None = None
    step_title: str | None = None


def build(
    subject: Subject,
    *,
    notice_id: str,
    kind: NoticeKind,
    clock: ClockView,
    catalogue: Catalogue,
    told: tuple[Recipient, ...],
    late_by: dt.timedelta | None = None,
) -> SupervisionNotice:
    """A notice with the figures the clock's view shows everywhere else (the CLI, the API):
    the time remaining, or overdue once past due; neither for a level of the deadline itself
    (red at the close of the due day)."""
    remaining = overdue = None
    if clock.overdue:
        overdue = WorkingTime(clock.overdue_working_days, clock.overdue_working_minutes)
    elif clock.remaining_working_minutes or kind in _BEFORE_THE_DEADLINE:
        remaining = WorkingTime(clock.remaining_working_days, clock.remaining_working_minutes)
    department = catalogue.departments.get(subject.department)
    return SupervisionNotice(
        notice_id=notice_id,
        kind=kind,
        case_id=subject.case_id,
        workflow_title=subject.workflow_title,
        department=department.name if department else subject.department,
        due_at=clock.due,
        step_id=subject.step_id,
        step_title=subject.step_title,
        remaining=remaining,
        overdue=overdue,
        provisional=clock.provisional,
        late_by=late_by,
        recipients=told,
    )


def until(calendar: WorkingCalendar, now: dt.datetime, due: dt.datetime) -> WorkingTime:
    """The working time from `now` to an order's date, as the calendar counts it."""
    days = calendar.working_days_between(calendar.local(now).date(), calendar.local(due).date())
    minutes = calendar.position(due) - calendar.position(now)
    return WorkingTime(days=max(0, days), minutes=max(0, minutes))
