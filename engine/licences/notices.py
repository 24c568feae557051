"""The notice to a department that relied on a certificate now revoked or replaced (证照变更):
told over the same channels and dispatcher as the supervision notices (`engine/notify`), to
the department's head (or the next of its escalation chain). Pure but for reading the names
of the officers told."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from engine.definitions.catalogue import Catalogue
from engine.escalation import notices
from engine.escalation.fired import Names
from engine.notify.channels import ChannelConfig
from engine.notify.notice import NoticeKind, SupervisionNotice

TOLD = ("head",)  # who hears of it in the relying department
WORDS = {"revoked": "已被吊销", "replaced": "已被换发"}


@dataclass(frozen=True)
class Reliance:
    """A case that took a material from the certificate, as the notice names it."""

    case_id: str
    workflow_title: str
    department: str
    material: str  # its title
    due_at: dt.datetime  # the case's promised due, or the moment of the change once closed


def source_changed(
    reliance: Reliance,
    *,
    number: str,
    status: str,
    reason: str,
    catalogue: Catalogue,
    session: Session,
) -> tuple[SupervisionNotice, list[ChannelConfig]]:
    """The notice for one relying case and the channels it goes over."""
    roles = notices.recipients(catalogue, reliance.department, TOLD)
    department = catalogue.departments.get(reliance.department)
    notice = SupervisionNotice(
        notice_id=f"{reliance.case_id}:certificate:{number}:{status}",
        kind=NoticeKind.SOURCE_CHANGED,
        case_id=reliance.case_id,
        workflow_title=reliance.workflow_title,
        department=department.name if department else reliance.department,
        due_at=reliance.due_at,
        recipients=notices.people(catalogue, roles, Names(session)),
        detail=f"{reliance.material}（{number}）{WORDS.get(status, status)}：{reason}",
    )
    return notice, notices.channels(catalogue, roles)
