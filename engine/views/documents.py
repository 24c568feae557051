"""The written documents a case has given its applicant (文书, docs/domain.md §documents), each
with its number and date: the acceptance notice (受理通知书, with the query code), the one-time
correction notice (补正材料通知书), the refusals (不予受理/不予行政许可决定书: the reasons, the
legal basis, the remedies) and the licence decisions (准予行政许可决定书). Pure: a function of
the case's view and its event log, so a document reads the same every time it is opened."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from engine.cases.case import NegativeKind, NegativeStatus
from engine.cases.notices import REMEDIES
from engine.views.cases import CaseView, EventView, NegativeMatterView, View


class DocumentKind(StrEnum):
    ACCEPTANCE = "acceptance"  # 受理通知书 (Art. 32)
    CORRECTION = "correction"  # 补正材料通知书 (Art. 32: every item in one notice)
    REFUSAL = "refusal"  # 不予受理决定书 (Art. 32), or a case-level 不予行政许可
    REJECTION = "rejection"  # 不予行政许可决定书 (Art. 38) of a step's decision
    LICENCE = "licence"  # 准予行政许可决定书 (Art. 38, 44)


_TITLES = {
    DocumentKind.ACCEPTANCE: "受理通知书",
    DocumentKind.CORRECTION: "补正材料通知书",
    DocumentKind.REFUSAL: "不予受理决定书",
    DocumentKind.REJECTION: "不予行政许可决定书",
    DocumentKind.LICENCE: "准予行政许可决定书",
}
_NEGATIVE_TITLES = {
    NegativeKind.REFUSE_ACCEPTANCE: "不予受理决定书",
    NegativeKind.REFUSE_LICENCE: "不予行政许可决定书",
    NegativeKind.CANNOT_HANDLE: "不能办理告知书",
}
# the character of each kind in the document number (e.g. 受〔2026〕20261013-5c62c17897-1号)
_NUMBER_MARKS = {
    DocumentKind.ACCEPTANCE: "受",
    DocumentKind.CORRECTION: "补",
    DocumentKind.REFUSAL: "不受",
    DocumentKind.REJECTION: "不许",
    DocumentKind.LICENCE: "准许",
}
_NOTICE_KINDS = {
    "acceptance": DocumentKind.ACCEPTANCE,
    "correction": DocumentKind.CORRECTION,
    "refusal": DocumentKind.REFUSAL,
    "rejection": DocumentKind.REJECTION,
}


class DocumentView(View):
    """One document: `serial` is its place among the case's documents (1 = the first issued),
    which the number and the page's address carry."""

    case: str
    serial: int
    kind: DocumentKind
    title: str
    number: str
    issued_at: dt.datetime  # in the calendar's zone: the document's date is its local date
    step: str | None = None
    text: str = ""  # the notice as sent (the case's written notice)
    additions: list[str] = []  # later items joined into the same correction notice
    reason: str = ""
    legal_basis: str = ""
    remedies: str = ""  # 行政复议 within 60 days, 行政诉讼 within six months
    matter: str | None = None  # the catalogue matter a licence decision grants
    certificate: str | None = None
    valid_to: str | None = None


def documents_of(view: CaseView, events: list[EventView]) -> list[DocumentView]:
    """The case's documents in the order they were issued."""
    drafts: list[DocumentView] = []
    additions: list[str] = []  # the one correction notice's later items (一次告知)
    for notice in view.notices:
        if notice.kind == "correction-amended":
            additions.append(notice.text)
            continue
        kind = _NOTICE_KINDS.get(notice.kind)
        if kind is None:
            continue
        draft = DocumentView(
            case=view.id,
            serial=0,
            kind=kind,
            title=_TITLES[kind],
            number="",
            issued_at=notice.at,
            step=notice.step_id,
            text=notice.text,
        )
        if kind in (DocumentKind.REFUSAL, DocumentKind.REJECTION):
            negative = _decided(view.negatives, notice.step_id, notice.at)
            draft = draft.model_copy(
                update={
                    "remedies": REMEDIES,
                    "title": _NEGATIVE_TITLES[negative.kind] if negative else draft.title,
                    "reason": negative.reason if negative else "",
                    "legal_basis": negative.legal_basis if negative else "",
                }
            )
        drafts.append(draft)
    for event in events:
        if event.kind == "certificate.issued":
            drafts.append(
                DocumentView(
                    case=view.id,
                    serial=0,
                    kind=DocumentKind.LICENCE,
                    title=_TITLES[DocumentKind.LICENCE],
                    number="",
                    issued_at=event.at,
                    step=event.data.get("step"),
                    matter=event.data.get("type"),
                    certificate=event.data.get("number"),
                    valid_to=event.data.get("valid_to"),
                )
            )
    drafts.sort(key=lambda d: d.issued_at)
    return [
        d.model_copy(
            update={
                "serial": serial,
                "number": f"{_NUMBER_MARKS[d.kind]}〔{d.issued_at.year}〕{view.id}-{serial}号",
                "additions": additions if d.kind is DocumentKind.CORRECTION else [],
            }
        )
        for serial, d in enumerate(drafts, start=1)
    ]


def _decided(
    negatives: list[NegativeMatterView], step: str | None, at: dt.datetime
) -> NegativeMatterView | None:
    """The confirmed negative matter a refusal notice announces (the last decided by then)."""
    confirmed = [
        n
        for n in negatives
        if n.step_id == step
        and n.status is NegativeStatus.CONFIRMED
        and n.decided_at is not None
        and n.decided_at <= at
    ]
    return max(confirmed, key=lambda n: n.decided_at or at, default=None)
