"""The roster file: examiners with their declared relations; a mistake at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.draw.roster import load_roster
from engine.errors import SourceError
from tests.fixtures.definitions import DEFINITIONS


def test_the_repository_roster_loads_with_relations() -> None:
    roster = load_roster(DEFINITIONS / "examiners.yaml")
    pool = {e.id: e for e in roster.pool("approval-bureau")}
    assert len(pool) >= 4 and roster.recent_within_months == 12
    assert pool["examiner-zhang"].related_to(frozenset({"91450200MA5K8Q3L77"}))


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("departments:\n  bureau:\n    - {id: a, employr: x}\n", ":3:", "unknown key 'employr'"),
        ("departments:\n  bureau:\n    - {id: a}\n    - {id: a}\n", ":4:7", "duplicate examiner"),
        (
            "departments:\n  bureau:\n    - id: a\n      inspected: [{applicant: x, on: soon}]\n",
            ":4:",
            "an inspection is",
        ),
        ("recent_within_months: -1\ndepartments: {}\n", ":1:23", "whole number"),
    ],
)
def test_a_mistake_names_its_place(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = tmp_path / "examiners.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_roster(path)
    assert where in str(raised.value) and message in str(raised.value)
