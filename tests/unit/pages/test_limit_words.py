"""Time limits and material sources read in words on the pages (the workbench, the case page):
never the definitions' own notation such as `3 working-days` or a source id."""

from __future__ import annotations

import pytest

from engine.calendar.units import Limit, Unit
from engine.pages.i18n import limit_text, source_text


@pytest.mark.parametrize(
    ("limit", "zh", "en"),
    [
        ("3 working-days", "3个工作日", "3 working days"),
        (Limit(1, Unit.WORKING_DAYS), "1个工作日", "1 working day"),
        ("20 natural-days", "20日", "20 days"),
        ("4 working-hours", "4个工作小时", "4 working hours"),
        ("same-day", "当场办结", "same day"),
    ],
)
def test_a_limit_reads_in_words_in_either_language(limit: Limit | str, zh: str, en: str) -> None:
    assert limit_text(limit, "zh") == zh
    assert limit_text(limit, "en") == en


def test_a_text_that_is_no_limit_is_shown_as_it_is() -> None:
    assert limit_text("about a week", "zh") == "about a week"


def test_a_looked_up_material_says_where_it_came_from() -> None:
    reference = "library:enterprise-establishment:enterprise-establishment-20261203-f3d7533a05"
    zh = source_text("library:enterprise-establishment", reference, "zh")
    assert zh == "电子证照库调取（证照 enterprise-establishment-20261203-f3d7533a05）"
    assert source_text("registry:construction-supervision", None, "en") == (
        "from an outside registry"
    )
