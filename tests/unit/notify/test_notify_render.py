"""Rendering a supervision notice (监察通知) in Chinese and English: figures shown, not computed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.errors import InputError
from engine.notify.notice import NoticeKind, Recipient, SupervisionNotice, WorkingTime
from engine.notify.render import PAYLOAD_SCHEMA, render, webhook_payload

SHANGHAI = ZoneInfo("Asia/Shanghai")


def notice(**changes: Any) -> SupervisionNotice:
    fields: dict[str, Any] = {
        "notice_id": "esc-42-yellow",
        "kind": NoticeKind.YELLOW,
        "case_id": "C-2025-0042",
        "workflow_title": "网约车双证联办",
        "department": "市交通运输局",
        "due_at": datetime(2025, 10, 9, 17, 30, tzinfo=SHANGHAI),
        "step_id": "driver-review",
        "step_title": "驾驶员证审核",
        "remaining": WorkingTime(days=1, minutes=570),
        "recipients": (Recipient("张三", "科长"), Recipient("李四")),
    }
    fields.update(changes)
    return SupervisionNotice(**fields)


def test_yellow_warning_in_chinese_names_case_step_due_time_and_remaining_working_time() -> None:
    message = render(notice())
    assert message.subject == "【黄牌预警】网约车双证联办 · 驾驶员证审核 · C-2025-0042"
    assert message.body.splitlines() == [
        "【黄牌预警】案件 C-2025-0042 的环节「驾驶员证审核」即将到期，请及时办理。",
        "",
        "案件编号：C-2025-0042",
        "事项：网约车双证联办",
        "环节：驾驶员证审核（driver-review）",
        "承办部门：市交通运输局",
        "办理期限：2025年10月9日 17:30（UTC+08:00）",
        "剩余时间：1个工作日（工作时间9小时30分钟）",
        "接收人：张三（科长）、李四",
    ]


def test_yellow_warning_in_english() -> None:
    message = render(notice(), "en")
    assert message.subject == "[Yellow warning] 网约车双证联办 · 驾驶员证审核 · C-2025-0042"
    lines = message.body.splitlines()
    assert lines[0] == (
        "[Yellow warning] Step “驾驶员证审核” of case C-2025-0042 is due soon; please act in time."
    )
    assert "Due: 2025-10-09 17:30 +08:00" in lines
    assert "Remaining: 1 working day (9 h 30 min of working time)" in lines
    assert "To: 张三 (科长), 李四" in lines


def test_due_time_is_shown_in_shanghai_whatever_zone_it_arrives_in() -> None:
    utc = datetime(2025, 10, 9, 16, 0, tzinfo=UTC)  # midnight in Shanghai, the next day
    assert "办理期限：2025年10月10日 00:00（UTC+08:00）" in render(notice(due_at=utc)).body


def test_red_card_shows_overdue_working_days_not_remaining() -> None:
    body = render(
        notice(kind=NoticeKind.RED, remaining=None, overdue=WorkingTime(days=3, minutes=1260))
    ).body
    assert body.startswith("【红牌】案件 C-2025-0042 的环节「驾驶员证审核」已超过办理期限。")
    assert "已超期：3个工作日（工作时间21小时）" in body
    assert "剩余时间" not in body
    en = render(
        notice(kind=NoticeKind.RED, remaining=None, overdue=WorkingTime(days=3, minutes=1260)), "en"
    )
    assert "Overdue by: 3 working days (21 h of working time)" in en.body


@pytest.mark.parametrize(
    ("kind", "zh", "en"),
    [
        (NoticeKind.SUPERVISION, "【督办】", "[Supervision] "),
        (NoticeKind.REMINDER, "【催办】", "[Reminder] "),
        (NoticeKind.PUBLICATION_OVERDUE, "【公示逾期】", "[Publication overdue] "),
    ],
)
def test_each_rung_of_the_ladder_has_its_own_tag(kind: NoticeKind, zh: str, en: str) -> None:
    assert render(notice(kind=kind)).subject.startswith(zh)
    assert render(notice(kind=kind), "en").subject.startswith(en)


def test_provisional_deadline_says_it_will_be_recomputed() -> None:
    """A due time in a year whose holiday schedule is not yet published
    (docs/domain.md §working-days)."""
    assert "预计期限，节假日安排公布后重新计算" in render(notice(provisional=True)).body
    assert "预计期限" not in render(notice()).body
    assert "provisional deadline" in render(notice(provisional=True), "en").body


def test_late_notice_after_downtime_states_the_delay() -> None:
    late = notice(late_by=timedelta(days=1, hours=2, minutes=5, seconds=40))
    assert "补发：系统停机后补发，延迟1天2小时5分钟。" in render(late).body
    assert "delayed by 1 day 2 h 5 min" in render(late, "en").body
    assert "补发" not in render(notice()).body
    assert "延迟不足1分钟" in render(notice(late_by=timedelta(seconds=30))).body


def test_last_day_shows_only_the_working_time_left() -> None:
    assert "剩余时间：工作时间45分钟" in render(notice(remaining=WorkingTime(0, 45))).body
    assert (
        "Remaining: 45 min of working time"
        in render(notice(remaining=WorkingTime(0, 45)), "en").body
    )


def test_no_time_left_is_zero_minutes_not_an_empty_line() -> None:
    assert "剩余时间：0分钟" in render(notice(remaining=WorkingTime())).body
    assert "Remaining: 0 min" in render(notice(remaining=WorkingTime()), "en").body


def test_case_clock_without_a_step_speaks_of_the_case() -> None:
    message = render(notice(step_id=None, step_title=None, kind=NoticeKind.PUBLICATION_OVERDUE))
    assert message.subject == "【公示逾期】网约车双证联办 · C-2025-0042"
    assert message.body.startswith("【公示逾期】案件 C-2025-0042的许可决定公示已超期。")
    assert "环节" not in message.body


def test_unknown_language_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown notice language 'fr'"):
        render(notice(), "fr")


def test_webhook_payload_carries_data_and_text_and_is_json() -> None:
    payload = webhook_payload(notice(provisional=True), delivery_id="d-1")
    assert json.loads(json.dumps(payload, ensure_ascii=False)) == payload
    assert payload["schema"] == PAYLOAD_SCHEMA
    assert payload["delivery_id"] == "d-1"
    assert payload["subject"].startswith("【黄牌预警】")
    assert payload["notice"]["remaining"] == {"days": 1, "minutes": 570}
    assert payload["notice"]["due_at"] == "2025-10-09T17:30:00+08:00"
    assert payload["notice"]["provisional"] is True
