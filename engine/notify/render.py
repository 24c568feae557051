"""A notice as words: subject and body in Chinese (default) or English, and the webhook JSON.

Only formatting happens here: every figure (remaining or overdue working time, the delay of a
late notice) arrives already computed, and due times are shown in Asia/Shanghai with the
offset (engine/calendar/display.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.calendar.display import moment_text, moment_text_zh
from engine.errors import InputError
from engine.notify.notice import NoticeKind, SupervisionNotice, WorkingTime

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAYLOAD_SCHEMA = "onething.notice/1"


@dataclass(frozen=True)
class Message:
    """What a person reads: a one-line subject and a plain-text body."""

    subject: str
    body: str


@dataclass(frozen=True)
class _Words:
    kinds: dict[NoticeKind, str]
    headlines: dict[NoticeKind, str]  # one sentence; {what} names the case or step
    labels: dict[str, str]
    step_of_case: str
    case: str
    provisional: str
    late: str
    day: tuple[str, str]  # singular, plural
    natural_day: tuple[str, str]
    hour: str
    minute: str
    working_time: str  # "{0}" of working time
    under_a_minute: str
    joiner: str
    list_sep: str
    colon: str
    aside: str  # "{0} ({1})": a name with a role or an id
    tag: str  # the kind of notice, before subject and headline
    due: Callable[[datetime], str]


def _zh_due(at: datetime) -> str:
    return moment_text_zh(at, SHANGHAI)


def _en_due(at: datetime) -> str:
    return moment_text(at, SHANGHAI)


_ZH = _Words(
    kinds={
        NoticeKind.YELLOW: "黄牌预警",
        NoticeKind.RED: "红牌",
        NoticeKind.SUPERVISION: "督办",
        NoticeKind.ORDER: "限期办结",
        NoticeKind.ACCOUNTABILITY: "问责",
        NoticeKind.REMINDER: "催办",
        NoticeKind.PUBLICATION_OVERDUE: "公示逾期",
        NoticeKind.SOURCE_CHANGED: "证照变更",
    },
    headlines={
        NoticeKind.YELLOW: "{what}即将到期，请及时办理。",
        NoticeKind.RED: "{what}已超过办理期限。",
        NoticeKind.SUPERVISION: "{what}超期未办，已转督办。",
        NoticeKind.ORDER: "{what}超期未办，责令限期办结。",
        NoticeKind.ACCOUNTABILITY: "{what}逾期仍未办结，已启动问责。",
        NoticeKind.REMINDER: "{what}尚未办结，请尽快办理。",
        NoticeKind.PUBLICATION_OVERDUE: "{what}的许可决定公示已超期。",
        NoticeKind.SOURCE_CHANGED: "{what}所依据的证照已被吊销或换发，请核查本案办理依据。",
    },
    labels={
        "case": "案件编号",
        "workflow": "事项",
        "step": "环节",
        "department": "承办部门",
        "due": "办理期限",
        "remaining": "剩余时间",
        "overdue": "已超期",
        "recipients": "接收人",
        "detail": "说明",
    },
    step_of_case="案件 {case} 的环节「{step}」",
    case="案件 {case}",
    provisional="注意：预计期限，节假日安排公布后重新计算。",
    late="补发：系统停机后补发，延迟{delay}。",
    day=("个工作日", "个工作日"),
    natural_day=("天", "天"),
    hour="小时",
    minute="分钟",
    working_time="工作时间{0}",
    under_a_minute="不足1分钟",
    joiner="",
    list_sep="、",
    colon="：",
    aside="{0}（{1}）",
    tag="【{0}】",
    due=_zh_due,
)

_EN = _Words(
    kinds={
        NoticeKind.YELLOW: "Yellow warning",
        NoticeKind.RED: "Red card",
        NoticeKind.SUPERVISION: "Supervision",
        NoticeKind.ORDER: "Order to finish",
        NoticeKind.ACCOUNTABILITY: "Accountability",
        NoticeKind.REMINDER: "Reminder",
        NoticeKind.PUBLICATION_OVERDUE: "Publication overdue",
        NoticeKind.SOURCE_CHANGED: "Certificate changed",
    },
    headlines={
        NoticeKind.YELLOW: "{what} is due soon; please act in time.",
        NoticeKind.RED: "{what} is past its time limit.",
        NoticeKind.SUPERVISION: "{what} is overdue and was escalated to the supervision office.",
        NoticeKind.ORDER: "{what} is overdue; it is ordered to be finished by a set date.",
        NoticeKind.ACCOUNTABILITY: "{what} missed its order too; accountability proceedings begin.",
        NoticeKind.REMINDER: "{what} is still open; please finish it.",
        NoticeKind.PUBLICATION_OVERDUE: "The publication of the decision on {what} is overdue.",
        NoticeKind.SOURCE_CHANGED: (
            "A certificate {what} relied on was revoked or replaced; please review the case."
        ),
    },
    labels={
        "case": "Case",
        "workflow": "Matter",
        "step": "Step",
        "department": "Department",
        "due": "Due",
        "remaining": "Remaining",
        "overdue": "Overdue by",
        "recipients": "To",
        "detail": "Detail",
    },
    step_of_case="step “{step}” of case {case}",
    case="case {case}",
    provisional=(
        "Note: provisional deadline; it will be recomputed when the holiday schedule is published."
    ),
    late="Sent late, after downtime: delayed by {delay}.",
    day=(" working day", " working days"),
    natural_day=(" day", " days"),
    hour=" h",
    minute=" min",
    working_time="{0} of working time",
    under_a_minute="under a minute",
    joiner=" ",
    list_sep=", ",
    colon=": ",
    aside="{0} ({1})",
    tag="[{0}] ",
    due=_en_due,
)

LANGUAGES: dict[str, _Words] = {"zh": _ZH, "en": _EN}


def render(notice: SupervisionNotice, lang: str = "zh") -> Message:
    """The subject and body of `notice` in `lang` (`zh` or `en`)."""
    words = _words(lang)
    tag = words.tag.format(words.kinds[notice.kind])
    what = (
        words.step_of_case.format(case=notice.case_id, step=notice.step_title or notice.step_id)
        if notice.step_id or notice.step_title
        else words.case.format(case=notice.case_id)
    )
    headline = words.headlines[notice.kind].format(what=what)
    subject_parts = [notice.workflow_title, notice.step_title or notice.step_id, notice.case_id]
    subject = tag + " · ".join(p for p in subject_parts if p)

    lines = [f"{tag}{headline[0].upper()}{headline[1:]}", ""]
    fields: list[tuple[str, str | None]] = [
        ("case", notice.case_id),
        ("workflow", notice.workflow_title),
        ("step", _step(notice, words)),
        ("department", notice.department),
        ("due", words.due(notice.due_at)),
        ("remaining", _working(notice.remaining, words)),
        ("overdue", _working(notice.overdue, words)),
        ("recipients", _recipients(notice, words)),
        ("detail", notice.detail),
    ]
    lines += [f"{words.labels[key]}{words.colon}{value}" for key, value in fields if value]
    if notice.provisional:
        lines.append(words.provisional)
    if notice.late_by is not None:
        lines.append(words.late.format(delay=_delay(notice.late_by, words)))
    return Message(subject=subject, body="\n".join(lines) + "\n")


def webhook_payload(
    notice: SupervisionNotice, *, delivery_id: str, lang: str = "zh"
) -> dict[str, Any]:
    """The JSON a webhook receives: the notice's data plus its rendered text."""
    message = render(notice, lang)
    return {
        "schema": PAYLOAD_SCHEMA,
        "delivery_id": delivery_id,
        "lang": lang,
        "subject": message.subject,
        "text": message.body,
        "notice": notice.to_dict(),
    }


def _words(lang: str) -> _Words:
    try:
        return LANGUAGES[lang]
    except KeyError:
        known = ", ".join(LANGUAGES)
        raise InputError(f"unknown notice language {lang!r} (known: {known})") from None


def _step(notice: SupervisionNotice, words: _Words) -> str | None:
    if notice.step_title and notice.step_id:
        return words.aside.format(notice.step_title, notice.step_id)
    return notice.step_title or notice.step_id


def _recipients(notice: SupervisionNotice, words: _Words) -> str | None:
    names = (words.aside.format(r.name, r.role) if r.role else r.name for r in notice.recipients)
    return words.list_sep.join(names) or None


def _working(span: WorkingTime | None, words: _Words) -> str | None:
    """`2个工作日（工作时间14小时）`: the working days and, beside them, the working time."""
    if span is None:
        return None
    days = _count(span.days, words.day)
    time = words.working_time.format(_hours(span.minutes, words)) if span.minutes else ""
    if days and time:
        return words.aside.format(days, time)
    return days or time or f"0{words.minute}"


def _delay(delay: timedelta, words: _Words) -> str:
    days, minutes = divmod(int(delay.total_seconds()) // 60, 24 * 60)
    parts = [_count(days, words.natural_day), _hours(minutes, words)]
    return words.joiner.join(p for p in parts if p) or words.under_a_minute


def _count(n: int, unit: tuple[str, str]) -> str:
    return f"{n}{unit[0] if n == 1 else unit[1]}" if n else ""


def _hours(minutes: int, words: _Words) -> str:
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours}{words.hour}" if hours else "", f"{minutes}{words.minute}" if minutes else ""]
    return words.joiner.join(p for p in parts if p)
