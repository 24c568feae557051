"""The notices that reached the supervision scene's mailbox and receiver, read back as the
officers would read them: level, case, step, due time and the working-time figures they state."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from engine.demo.receivers import Mailbox, Receiver
from engine.notify.notice import WorkingTime
from engine.notify.render import LANGUAGES, SHANGHAI
from engine.notify.signature import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

_KINDS = {tag: kind for kind, tag in LANGUAGES["zh"].kinds.items()}


@dataclass(frozen=True)
class Arrival:
    """One notice as it arrived: over which channel, at which level, with which figures."""

    channel: str  # email | webhook
    to: str  # the address or URL it was sent to
    level: str  # the notice kind: yellow, red, …
    subject: str
    case_id: str
    step_id: str | None
    due: dt.datetime | None  # the due time the notice states
    figure: str  # the notice's own words: 剩余时间：… / 已超期：… (empty when it has none)
    remaining: WorkingTime | None
    overdue: WorkingTime | None
    signed: bool | None = None  # a webhook: whether its HMAC signature verified


def arrivals(
    mailbox: Mailbox, receiver: Receiver, *, secret: str, mail_to: str, now: dt.datetime
) -> list[Arrival]:
    """Every mail to the scene's address and every webhook request, as notices (a webhook's
    signature verified as of `now`)."""
    found = []
    for mail in mailbox.messages:
        subject = str(mail["Subject"])
        text = str(mail.get_content())
        remaining, overdue, figure = _figures_in(text)
        step = re.search(r"^环节：.*（([^（）]+)）$", text, re.MULTILINE)
        case = re.search(r"^案件编号：(\S+)$", text, re.MULTILINE)
        found.append(
            Arrival(
                channel="email",
                to=str(mail["To"]),
                level=_level_of(subject),
                subject=subject,
                case_id=case.group(1) if case and mail["To"] == mail_to else "",
                step_id=step.group(1) if step else None,
                due=_due_in(text),
                figure=figure,
                remaining=remaining,
                overdue=overdue,
            )
        )
    for request in receiver.requests:
        headers = {k.lower(): v for k, v in request.headers.items()}
        timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
        signed = timestamp.isdigit() and verify(
            secret,
            request.body,
            timestamp=int(timestamp),
            signature=headers.get(SIGNATURE_HEADER.lower(), ""),
            now=int(now.timestamp()),
        )
        payload = json.loads(request.body)
        notice = payload["notice"]
        _, _, figure = _figures_in(payload["text"])
        found.append(
            Arrival(
                channel="webhook",
                to=receiver.url,
                level=notice["kind"],
                subject=payload["subject"],
                case_id=notice["case_id"],
                step_id=notice["step_id"],
                due=dt.datetime.fromisoformat(notice["due_at"]),
                figure=figure,
                remaining=_span(notice["remaining"]),
                overdue=_span(notice["overdue"]),
                signed=signed and headers.get(DELIVERY_HEADER.lower()) == payload["delivery_id"],
            )
        )
    return found


def _due_in(text: str) -> dt.datetime | None:
    """`办理期限：2026年10月9日 17:30（UTC+08:00）` → that instant."""
    found = re.search(r"^办理期限：(\d+)年(\d+)月(\d+)日 (\d+):(\d+)", text, re.MULTILINE)
    if not found:
        return None
    year, month, day, hour, minute = (int(x) for x in found.groups())
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def _level_of(subject: str) -> str:
    tag = re.match(r"【([^】]+)】", subject)
    kind = _KINDS.get(tag.group(1)) if tag else None
    return kind.value if kind else "?"


def _figures_in(text: str) -> tuple[WorkingTime | None, WorkingTime | None, str]:
    """The remaining and overdue working time as the notice's text says them."""
    spans: dict[str, WorkingTime] = {}
    lines = []
    for label in ("剩余时间", "已超期"):
        line = re.search(rf"^{label}：(.+)$", text, re.MULTILINE)
        if line:
            lines.append(line.group(0))
            spans[label] = _working_time(line.group(1))
    return spans.get("剩余时间"), spans.get("已超期"), " ".join(lines)


def _working_time(words: str) -> WorkingTime:
    """`1个工作日（工作时间7小时30分钟）` → 1 working day, 450 working minutes."""

    def number(pattern: str) -> int:
        found = re.search(pattern, words)
        return int(found.group(1)) if found else 0

    hours, minutes = number(r"(\d+)小时"), number(r"(\d+)分钟")
    return WorkingTime(days=number(r"(\d+)个工作日"), minutes=hours * 60 + minutes)


def _span(data: dict[str, int] | None) -> WorkingTime | None:
    return None if data is None else WorkingTime(**data)
