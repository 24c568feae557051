"""The pages' words in 简体中文 (first) and English, and how a date or a moment reads in
each (dates as 2026年10月13日; moments in the calendar's zone with the offset)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from engine.calendar.display import moment_text, moment_text_zh
from engine.calendar.units import Limit, Unit
from engine.errors import OnethingError
from engine.escalation.firings import reminder_number
from engine.pages.draw_words import WORDS as DRAW_WORDS
from engine.pages.workbench_words import WORDS as WORKBENCH_WORDS
from engine.views.cases import ClockView

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

_WORDS: dict[str, tuple[str, str]] = {
    "app": ("一件事 审批监控", "onething approvals"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "token": ("API 令牌", "API token"),
    "login_failed": ("令牌无效、已轮换或用户已停用", "The token is unknown, rotated or disabled"),
    "overview": ("运行总览", "Overview"),
    "worklist": ("待办", "Worklist"),
    "negatives": ("否定事项报备", "Negative register"),
    "case": ("办件详情", "Case"),
    "cases_by_status": ("办件状态", "Cases by status"),
    "lights": ("在办环节（按部门）", "Open steps by department"),
    "department": ("部门", "Department"),
    "workflow": ("事项", "Workflow"),
    "all": ("全部", "All"),
    "filter": ("筛选", "Filter"),
    "green": ("正常", "on time"),
    "yellow": ("黄牌预警", "yellow"),
    "red": ("红牌超期", "red"),
    "supervision": ("监察督办", "supervision"),
    "one-notice-breach": ("违反一次告知", "one-notice breach"),
    "order": ("限期办结令", "order"),
    "accountability": ("问责", "accountability"),
    "total": ("合计", "total"),
    "on_time_rate": ("按时办结率", "On-time rate"),
    "no_closed": ("尚无办结件", "no closed case yet"),
    "verifying": ("窗口待核验材料（按部门）", "Materials for the window to verify, by department"),
    "verifying_total": ("待核验", "to verify"),
    "verifying_overdue": ("已超期（受理期限5个工作日）", "overdue (Art. 32's 5 working days)"),
    "most_overdue": ("超期最久的环节", "Most overdue steps"),
    "forecast": ("本工作周内将变黄/变红", "Turning yellow or red this working week"),
    "forecast_until": ("截至 {at}", "until {at}"),
    "turning_yellow": ("{n} 项将变黄", "turning yellow: {n}"),
    "turning_red": ("{n} 项将变红", "turning red: {n}"),
    "clock_case": ("承诺时限（整件）", "Promised time limit (the case)"),
    "clock_acceptance": ("受理期限（5个工作日）", "Acceptance window (5 working days)"),
    "clock_negative": ("否定事项领导审核", "Leader's decision on a refusal"),
    "most_urgent": ("下表为最紧急的 {n} 个", "the {n} most urgent below"),
    "step": ("环节", "Step"),
    "due": ("办理时限", "Due"),
    "left": ("剩余", "Left"),
    "overdue_days": ("超期工作日", "Working days overdue"),
    "level": ("级别", "Level"),
    "fires_at": ("触发时间", "Fires at"),
    "none": ("无", "none"),
    "updated": ("更新于 {at}", "as of {at}"),
    "status": ("状态", "Status"),
    "submitted": ("申请时间", "Submitted"),
    "accepted": ("受理时间", "Accepted"),
    "acceptance_due": ("受理时限", "Acceptance"),
    "acceptance_limit": ("受理时限", "acceptance limit"),
    "promised_limit": ("承诺时限", "promised limit"),
    "statutory_limit": ("法定时限", "statutory limit"),
    "promised_due": ("承诺时限", "Promised"),
    "statutory_due": ("法定时限", "Statutory"),
    "today": ("今天", "today"),
    "suspended": ("已中止", "suspended"),
    "extended_by": ("已延期 {n} 个工作日", "extended by {n} working days"),
    "overdue": ("已超期", "overdue"),
    "gantt_title": (
        "办件 {case} 各环节甘特图（工作日历）",
        "Steps of case {case} over working days",
    ),
    "day_holiday": ("法定节假日", "holiday"),
    "day_weekend": ("休息日", "weekend"),
    "day_makeup": ("调休工作日", "make-up working day"),
    "day_working": ("工作日", "working day"),
    "day_unknown": ("日历外", "outside the calendar"),
    "mark_holiday": ("休", "H"),
    "mark_makeup": ("班", "W"),
    "materials": ("材料", "Materials"),
    "corrections": ("补正", "Corrections"),
    "correction_draft": ("一次告知草稿（汇总各部门意见）", "Draft notice (gathering branches)"),
    "correction_issued": ("一次性告知已送达", "One notice issued"),
    "issue_by": ("最迟告知时间", "Issue by"),
    "item": ("补正事项", "Item"),
    "asked_by": ("提出环节", "Asked by"),
    "after_issue": ("告知后补充（违反一次告知）", "after the notice (breach)"),
    "answered": ("已补正", "answered"),
    "awaited": ("待补正", "awaited"),
    "issue-correction": ("出具一次性告知", "Issue the correction notice"),
    "timeline": ("办理过程", "Timeline"),
    "flow_run": ("Prefect 流程运行", "Prefect flow run"),
    "actor": ("办理人", "Actor"),
    "event": ("事件", "Event"),
    "at": ("时间", "At"),
    "accept": ("受理", "Accept"),
    "approve": ("通过", "Approve"),
    "reject": ("不予通过", "Reject"),
    "return-for-correction": ("退回补正", "Return for correction"),
    "verify-material": ("核验材料", "Verify material"),
    "suspend": ("中止", "Suspend"),
    "resume": ("恢复", "Resume"),
    "extend": ("延期", "Extend"),
    "transfer": ("转办", "Transfer"),
    "comment": ("意见", "Comment"),
    "reason": ("理由", "Reason"),
    "intake": ("收件受理（行政许可法第三十二条）", "Intake (Art. 32)"),
    "intake_materials": ("需补正的材料", "Materials to supply or correct"),
    "intake_notes": ("其他补正事项（每行一项）", "Other items to correct (one a line)"),
    "items": ("补正材料（逗号分隔）", "Items (comma-separated)"),
    "days": ("工作日数", "Working days"),
    "to": ("转给", "To"),
    "confirm": ("确认", "Confirm"),
    "overturn": ("推翻", "Overturn"),
    "facts": ("事实", "Facts"),
    "legal_basis": ("法律依据", "Legal basis"),
    "officer": ("经办人", "Officer"),
    "decision": ("决定", "Decision"),
    "leader_due": ("领导审定时限", "Leader decides by"),
    "promised_same_day": ("承诺当日", "promised the same day"),
    "refused": ("操作被拒绝", "Refused"),
    "done": ("已办理", "Done"),
    "empty": ("暂无", "Nothing here"),
    "lang_switch": ("English", "中文"),
    "csrf": ("表单已过期，请刷新页面后重试", "The form expired: reload the page and try again"),
    "forbidden": ("无权访问", "Not allowed"),
    "applicant": ("申请人", "Applicant"),
    "escalations": ("电子监察", "Escalations"),
    "acknowledged": ("签收", "Acknowledged"),
    "acknowledge": ("签收", "Acknowledge"),
    "give_order": ("督办", "Order"),
    "order_due": ("限期办结日期", "Finish by"),
    **WORKBENCH_WORDS,
    **DRAW_WORDS,
    "calendar": ("工作日历", "Working calendar"),
    "calendar_id": ("日历", "Calendar"),
    "year": ("年份", "Year"),
    "show": ("查看", "Show"),
    "layers": ("日历层", "Layers"),
    "working_days_in_year": ("全年 {n} 个工作日", "{n} working days"),
    "provisional": ("暂定", "Provisional"),
    "provisional_layers": (
        "以下日历层尚未公布本年度安排，按估算计算：{layers}",
        "these layers have not published the year's schedule; it is estimated: {layers}",
    ),
    "official": ("本年度安排均已公布", "every layer has published the year's schedule"),
    "regional_day": ("地方节假日/调休（如壮族三月三）", "regional day (e.g. 壮族三月三)"),
    "month": ("{year}年{month}月", "{year}-{month:02d}"),
    "weekdays": ("一 二 三 四 五 六 日", "Mo Tu We Th Fr Sa Su"),
    "named_days": ("节假日与调休", "Holidays and make-up days"),
    "date": ("日期", "Date"),
    "day_kind": ("类型", "Kind"),
    "name": ("名称", "Name"),
    "layer": ("日历层", "Layer"),
    "lookup": ("办件进度查询", "Application status"),
    "lookup_hint": (
        "请输入受理通知书上的受理编号和查询码。",
        "Enter the case number and the query code printed on the acceptance notice.",
    ),
    "case_no": ("受理编号", "Case number"),
    "query_code": ("查询码", "Query code"),
    "lookup_go": ("查询", "Look up"),
    "lookup_failed": (
        "受理编号或查询码不正确",
        "The case number or the query code is not right",
    ),
    "too_many": ("查询过于频繁，请一分钟后再试", "Too many lookups: try again in a minute"),
    "closed": ("办结时间", "Closed"),
    "print": ("打印", "Print"),
    "documents": ("文书", "Documents"),
    "document_no": ("文号", "Number"),
    "issued": ("日期", "Date"),
    "light": ("信号", "Light"),
    "department_overview": ("部门总览", "Department overview"),
    "worklist_pages": ("待办分页", "Worklist pages"),
    "first_page": ("第一页（最紧急）", "First page (most urgent)"),
    "next_page": ("下一页", "Next page"),
    "material_status": ("材料状态", "Material status"),
}

# a case's event kinds (its timeline), as officers read them
_EVENTS: dict[str, tuple[str, str]] = {
    "case.submitted": ("提交申请", "application submitted"),
    "case.status": ("办件状态变更", "case status changed"),
    "case.deemed-accepted": ("视为受理", "deemed accepted"),
    "case.clocks.stopped": ("办件计时暂停", "case clocks stopped"),
    "case.clocks.restarted": ("办件计时恢复", "case clocks restarted"),
    "case.clock.moved": ("办件时限变更", "case deadline moved"),
    "material.supplied": ("提交材料", "material supplied"),
    "material.shared": ("共享材料", "material shared"),
    "material.deferred": ("容缺受理", "material deferred"),
    "material.to-verify": ("材料待核验", "material to verify"),
    "material.verified": ("材料已核验", "material verified"),
    "material.source-changed": ("材料来源变更", "material source changed"),
    "notice.issued": ("书面告知", "notice issued"),
    "step.status": ("环节状态变更", "step status changed"),
    "step.activated": ("环节开始办理", "step started"),
    "step.signed": ("签署意见", "step signed"),
    "step.transferred": ("转办", "step transferred"),
    "step.returned": ("退回重办", "step returned"),
    "step.retried": ("重新办理", "step retried"),
    "step.incident": ("环节异常", "step incident"),
    "clock.extended": ("延期", "clock extended"),
    "correction.opened": ("补正意见汇总（草稿）", "correction draft opened"),
    "correction.asked": ("提出补正事项", "correction items asked"),
    "correction.issued": ("一次性告知补正", "correction notice issued"),
    "correction.breach": ("告知后补充（违反一次告知）", "item after the one notice (breach)"),
    "correction.dropped": ("补正草稿撤销", "correction draft dropped"),
    "correction.partial": ("部分补正", "correction partly supplied"),
    "correction.closed": ("补正完成", "correction closed"),
    "negative.registered": ("否定事项报备", "negative matter registered"),
    "negative.decided": ("领导审定否定事项", "negative matter decided"),
    "negative.lapsed": ("否定事项失效", "negative matter lapsed"),
    "certificate.issued": ("核发证照", "certificate issued"),
    "certificate.changed": ("证照变更", "certificate changed"),
    "escalation.fired": ("电子监察预警", "escalation fired"),
    "escalation.acknowledged": ("签收预警", "escalation acknowledged"),
    "escalation.ordered": ("督办", "order given"),
    "department.notice": ("部门告知", "department notified"),
    "deadlines.recomputed": ("时限重算", "deadlines recomputed"),
    "draw.seed": ("抽取种子", "draw seed"),
    "draw.eligible": ("抽取名单", "draw pool"),
    "draw.sealed": ("抽取封存", "draw sealed"),
    "draw.opened": ("抽取开启", "draw opened"),
    "draw.declined": ("审查员回避", "examiner declined"),
    "draw.finding": ("核查结论", "inspection finding"),
}

_STATUS: dict[str, tuple[str, str]] = {
    "submitted": ("已申请", "submitted"),
    "correction": ("补正中", "correction"),
    "refusal-pending": ("待领导决定", "refusal pending"),
    "in-progress": ("办理中", "in progress"),
    "completed": ("已办结", "completed"),
    "refused": ("不予受理", "refused"),
    "rejected": ("不予许可", "rejected"),
    "withdrawn": ("已撤回", "withdrawn"),
    "terminated": ("已终止", "terminated"),
    "pending": ("待审", "pending"),
    "active": ("办理中", "active"),
    "approved": ("已通过", "approved"),
    "confirmed": ("已确认", "confirmed"),
    "overturned": ("已推翻", "overturned"),
    "suspended": ("已中止", "suspended"),
    "rejection-pending": ("待领导决定", "rejection pending"),
    "skipped": ("不适用", "skipped"),
    "cancelled": ("已取消", "cancelled"),
    "lapsed": ("已失效", "lapsed"),
    "supplied": ("已提交", "supplied"),
    "deferred": ("容缺后补", "deferred"),
    "committed": ("告知承诺", "committed"),
    "missing": ("待补正", "missing"),
    "to-verify": ("待核验", "to verify"),
}


def lang_of(value: str | None) -> Lang:
    return "en" if value == "en" else "zh"


def t(key: str, lang: Lang) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh" else en


def level_text(level: str, lang: Lang) -> str:
    """A ladder's level: the known ones in words, a reminder (催办) by its number, a
    workflow's own by its name."""
    if (n := reminder_number(level)) is not None:
        return f"第{n}次催办" if lang == "zh" else f"reminder {n}"
    return t(level, lang) if level in _LEVELS else level


_LEVELS = frozenset(
    {"yellow", "red", "supervision", "order", "accountability", "one-notice-breach"}
)


_CLOCKS = {
    "acceptance": "acceptance_limit",
    "promised": "promised_limit",
    "statutory": "statutory_limit",
    "negative": "leader_due",
}


def clock_text(kind: str, lang: Lang) -> str:
    """A clock that is no step's (`engine.escalation.firings.clock_kind`): 受理时限, 承诺时限,
    法定时限, 领导审定时限."""
    return t(_CLOCKS[kind], lang) if kind in _CLOCKS else "—"


def event_text(kind: str, lang: Lang) -> str:
    """A timeline event's kind in words (an unknown kind as it is)."""
    found = _EVENTS.get(kind)
    if found is None:
        return kind
    return found[0] if lang == "zh" else found[1]


def status_text(status: str, lang: Lang) -> str:
    found = _STATUS.get(status)
    if found is None:
        return status
    return found[0] if lang == "zh" else found[1]


def date_text(day: dt.date | dt.datetime, lang: Lang) -> str:
    """`2026年10月13日` / `2026-10-13` (a moment: its own local date)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def moment(at: dt.datetime, lang: Lang) -> str:
    """A moment in its own zone, with the offset (views carry the calendar's zone)."""
    zone = at.tzinfo or dt.UTC
    return moment_text_zh(at, zone) if lang == "zh" else moment_text(at, zone)


def left(clock: ClockView, lang: Lang) -> str:
    """What a clock has left, in the unit that says it (`剩余 2 个工作日`, `超期 3 工作小时`);
    the same figures as `ClockView.left`."""
    if lang == "en":
        return clock.left
    if clock.overdue_working_minutes > 0:
        if clock.overdue_working_days:
            return f"超期 {clock.overdue_working_days} 个工作日"
        return f"超期 {_hours_zh(clock.overdue_working_minutes)}"
    if clock.remaining_working_days:
        return f"剩余 {clock.remaining_working_days} 个工作日"
    return f"剩余 {_hours_zh(clock.remaining_working_minutes)}"


def source_text(source: str, reference: str | None, lang: Lang) -> str:
    """Where a material was looked up instead of asked of the applicant: `电子证照库调取
    （证照 enterprise-establishment-…）` / `from the licence library (certificate …)`."""
    kind = source.split(":", 1)[0]
    where = {"library": ("电子证照库调取", "from the licence library")}.get(
        kind, ("外部登记系统调取", "from an outside registry")
    )
    number = reference.rsplit(":", 1)[-1] if reference else ""
    if lang == "zh":
        return where[0] + (f"（证照 {number}）" if number else "")
    return where[1] + (f" (certificate {number})" if number else "")


_LIMIT_UNITS: dict[Unit, tuple[str, str, str]] = {  # zh, en one, en many
    Unit.WORKING_DAYS: ("{n}个工作日", "{n} working day", "{n} working days"),
    Unit.NATURAL_DAYS: ("{n}日", "{n} day", "{n} days"),
    Unit.WORKING_HOURS: ("{n}个工作小时", "{n} working hour", "{n} working hours"),
}


def limit_text(limit: Limit | str, lang: Lang) -> str:
    """A time limit in words: `3个工作日` / `3 working days`, `当场办结` / `same day` (a
    text the definitions would not take is shown as it is)."""
    try:
        found = limit if isinstance(limit, Limit) else Limit.parse(limit)
    except OnethingError:
        return str(limit)
    if found.unit is Unit.SAME_DAY:
        return "当场办结" if lang == "zh" else "same day"
    zh, one, many = _LIMIT_UNITS[found.unit]
    pattern = zh if lang == "zh" else (one if found.value == 1 else many)
    return pattern.format(n=found.value)


def _hours_zh(minutes: int) -> str:
    hours, mins = divmod(max(0, minutes), 60)
    return f"{hours} 工作小时" + (f" {mins} 分钟" if mins else "")
