"""What every read path shows of a certificate of the licence library (电子证照): its record,
its status as of now, and its history — issued, relied on by cases, revoked or replaced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from engine.calendar import WorkingCalendar
from engine.clock import as_utc
from engine.licences.tables import Certificate, CertificateUse
from engine.views.cases import View


class CertificateUseView(View):
    """A case that took a material from the certificate (its department relied on it)."""

    case: str
    material: str
    department: str
    at: dt.datetime


class CertificateHistoryView(View):
    """One moment of a certificate's life: `issued`, `used`, `revoked`, `replaced`."""

    at: dt.datetime
    what: str
    by: str | None = None  # the case that issued or used it, or the officer who changed it
    detail: str = ""


class CertificateView(View):
    number: str
    type: str  # the catalogue matter whose decision issued it
    holder: str | None
    holder_name: str | None
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    department: str
    case: str | None
    step: str | None
    document: str | None
    status: str  # as of now: a valid certificate past `valid_to` is expired
    replaced_by: str | None = None
    uses: list[CertificateUseView] = []
    history: list[CertificateHistoryView] = []


def certificate_view(
    row: Certificate,
    status: str,
    calendar: WorkingCalendar,
    uses: Sequence[CertificateUse] = (),
) -> CertificateView:
    """The certificate with its moments in the calendar's zone; `uses` (given when one
    certificate is shown) fill its uses and history."""

    def local(moment: dt.datetime) -> dt.datetime:
        return calendar.local(as_utc(moment))

    used = [
        CertificateUseView(
            case=u.case_id, material=u.material, department=u.department, at=local(u.at)
        )
        for u in uses
    ]
    history = [
        CertificateHistoryView(
            at=local(row.valid_from),
            what="issued",
            by=row.case_id,
            detail=" ".join(p for p in (row.step, row.document) if p),
        ),
        *(CertificateHistoryView(at=u.at, what="used", by=u.case, detail=u.material) for u in used),
    ]
    if row.changed_at is not None:
        detail = row.change_reason or ""
        if row.replaced_by:
            detail = f"{detail} → {row.replaced_by}"
        history.append(
            CertificateHistoryView(
                at=local(row.changed_at), what=row.status, by=row.changed_by, detail=detail
            )
        )
    return CertificateView(
        number=row.number,
        type=row.type,
        holder=row.holder,
        holder_name=row.holder_name,
        valid_from=local(row.valid_from),
        valid_to=local(row.valid_to) if row.valid_to else None,
        department=row.department,
        case=row.case_id,
        step=row.step,
        document=row.document,
        status=status,
        replaced_by=row.replaced_by,
        uses=used,
        history=sorted(history, key=lambda h: h.at),
    )
