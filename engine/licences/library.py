"""The licence library (电子证照库): certificates recorded from the decisions that issue them,
the cases that relied on one, and the issuing department's revocation and replacement.

`record_case_events` runs inside the unit of work that records a case change, so a decision
and its certificate commit together, as do an intake and the uses of what it looked up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from engine.cases.run import Event
from engine.clock import as_utc
from engine.licences.tables import Certificate, CertificateStatus, CertificateUse


def record_case_events(
    session: Session, case_id: str, department: str, events: Sequence[Event], now: dt.datetime
) -> None:
    """The certificates a case change issued, and the looked-up materials it took in
    (`department`: the workflow's owner, who relies on them)."""
    for event in events:
        data = event.data
        if event.kind == "certificate.issued":
            session.add(
                Certificate(
                    number=str(data["number"]),
                    type=str(data["type"]),
                    holder=data.get("holder"),
                    holder_name=data.get("holder_name"),
                    valid_from=as_utc(dt.datetime.fromisoformat(str(data["valid_from"]))),
                    valid_to=as_utc(_moment(data.get("valid_to"))),
                    department=str(data["department"]),
                    case_id=case_id,
                    step=data.get("step"),
                    document=data.get("document"),
                )
            )
        elif event.kind == "material.shared" and data.get("number"):
            session.add(
                CertificateUse(
                    number=str(data["number"]),
                    source=str(data["source"]),
                    case_id=case_id,
                    material=str(data["material"]),
                    department=department,
                    at=as_utc(now),
                )
            )


def _moment(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:  # a date: valid through that day in China's zone
        moment = dt.datetime.combine(
            moment.date(), dt.time.max, tzinfo=dt.timezone(dt.timedelta(hours=8))
        )
    return moment


def certificates(
    session: Session,
    *,
    holder: str | None = None,
    type: str | None = None,
    status: tuple[str, dt.datetime] | None = None,
    after: tuple[dt.datetime, str] | None = None,
    limit: int | None = None,
) -> list[Certificate]:
    """Certificates oldest first (valid from, number): of a holder, a type, a status as of a
    moment (`status_at`); `after` (valid from, number): those after that one."""
    valid_from, number = col(Certificate.valid_from), col(Certificate.number)
    query = select(Certificate).order_by(valid_from, number).limit(limit)
    if holder:
        query = query.where(col(Certificate.holder) == holder)
    if type:
        query = query.where(col(Certificate.type) == type)
    if status is not None:
        query = query.where(_status_is(*status))
    if after is not None:
        at = as_utc(after[0])
        query = query.where(or_(valid_from > at, and_(valid_from == at, number > after[1])))
    return list(session.exec(query).all())


def uses_of(session: Session, number: str) -> list[CertificateUse]:
    return list(
        session.exec(select(CertificateUse).where(col(CertificateUse.number) == number)).all()
    )


def status_at(certificate: Certificate, now: dt.datetime) -> str:
    """The status as of `now`: a valid certificate past its `valid_to` is expired."""
    valid_to = as_utc(certificate.valid_to)  # the store keeps UTC (SQLite: naive)
    if certificate.status == CertificateStatus.VALID and valid_to is not None and valid_to < now:
        return CertificateStatus.EXPIRED.value
    return certificate.status


def _status_is(status: str, now: dt.datetime) -> Any:
    """`status_at` as a condition of the query: the certificates with `status` as of `now`."""
    now = as_utc(now)
    valid = col(Certificate.status) == CertificateStatus.VALID.value
    valid_to = col(Certificate.valid_to)
    if status == CertificateStatus.EXPIRED:
        return or_(and_(valid, valid_to < now), col(Certificate.status) == status)
    if status == CertificateStatus.VALID:
        return and_(valid, or_(valid_to.is_(None), valid_to >= now))
    return col(Certificate.status) == status
