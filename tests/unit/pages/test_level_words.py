"""The escalation ladder's levels in words on the boards and timelines (Chinese first)."""

from __future__ import annotations

import pytest

from engine.escalation.firings import reminder_level
from engine.pages.i18n import clock_text, level_text


@pytest.mark.parametrize("n", [1, 9, 13])
def test_a_reminder_reads_as_the_nth_reminder_not_its_code(n: int) -> None:
    assert level_text(reminder_level(n), "zh") == f"第{n}次催办"
    assert level_text(reminder_level(n), "en") == f"reminder {n}"


def test_the_ladders_levels_read_in_words_and_a_workflows_own_by_its_name() -> None:
    assert level_text("red", "zh") == "红牌超期"
    assert level_text("accountability", "en") == "accountability"
    assert level_text("site-visit", "zh") == "site-visit"


@pytest.mark.parametrize(
    ("kind", "zh", "en"),
    [
        ("acceptance", "受理时限", "acceptance limit"),
        ("promised", "承诺时限", "promised limit"),
        ("statutory", "法定时限", "statutory limit"),
    ],
)
def test_a_clock_that_is_no_step_is_named_not_dashed(kind: str, zh: str, en: str) -> None:
    assert (clock_text(kind, "zh"), clock_text(kind, "en")) == (zh, en)
