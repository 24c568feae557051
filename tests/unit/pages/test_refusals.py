"""An engine refusal on a Chinese page reads in Chinese, the engine's message kept below it;
on an English page it is the engine's message."""

from __future__ import annotations

import pytest

from engine.access.permissions import Forbidden
from engine.cases.errors import (
    Conflict,
    IllegalAction,
    MissingArgument,
    NotPermitted,
    PreconditionFailed,
    Transferred,
)
from engine.errors import InputError, OnethingError
from engine.pages.refusals import refusal_text

WHERE = {"case": "C-1", "action": "approve", "actor": "liu"}


@pytest.mark.parametrize(
    ("error", "zh"),
    [
        (IllegalAction("x", **WHERE, state="submitted"), "办件当前状态不允许此项操作（已申请）"),
        (
            IllegalAction("x", **WHERE, state="in-progress, step approved", step="s"),
            "环节当前状态不允许此项操作（已通过）",
        ),
        (NotPermitted("x", **WHERE, state="in-progress"), "无权办理"),
        (Forbidden("liu may not cases extend", actor="liu"), "无权办理"),
        (Transferred("x", **WHERE, state="in-progress", step="s"), "已转办给其他经办人"),
        (Conflict("x", **WHERE, state="busy"), "已被他人更新"),
        (PreconditionFailed("C-1", expected=3, actual=4), "已被他人更新"),
        (MissingArgument("'reason' is required", **WHERE, state="in-progress"), "必填"),
    ],
)
def test_a_common_refusal_reads_in_chinese_with_the_engines_words_kept(
    error: OnethingError, zh: str
) -> None:
    shown = refusal_text(error, "zh")
    assert shown.lead == "操作未执行：" and zh in shown.message
    assert shown.details == str(error)
    english = refusal_text(error, "en")
    assert (english.message, english.details) == (str(error), None)


def test_an_uncommon_refusal_shows_the_engines_message_after_the_chinese_lead() -> None:
    shown = refusal_text(InputError("no such date 2026-13-01"), "zh")
    assert (shown.lead, shown.message, shown.details) == (
        "操作未执行：",
        "no such date 2026-13-01",
        None,
    )
