"""The roster file: examiners with their declared relations; a mistake at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.draw.roster import Change, apply_change, import_changes, load_roster, pool_hash, replay
from engine.errors import InputError, SourceError
from tests.fixtures.definitions import DEFINITIONS


def test_the_repository_roster_loads_with_relations() -> None:
    roster = load_roster(DEFINITIONS / "examiners.yaml")
    pool = {e.id: e for e in roster.pool("approval-bureau")}
    assert len(pool) >= 4
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
    ],
)
def test_a_mistake_names_its_place(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = tmp_path / "examiners.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_roster(path)
    assert where in str(raised.value) and message in str(raised.value)


def test_the_imported_roster_replays_to_the_file_and_a_disabled_examiner_leaves_the_pool() -> None:
    roster = load_roster(DEFINITIONS / "examiners.yaml")
    replayed = replay(import_changes(roster))
    assert pool_hash(replayed.pool("approval-bureau")) == pool_hash(roster.pool("approval-bureau"))
    off = apply_change(replayed, Change("disable", "approval-bureau", "examiner-li"))
    assert "examiner-li" not in {e.id for e in off.pool("approval-bureau")}
    assert pool_hash(off.pool("approval-bureau")) != pool_hash(roster.pool("approval-bureau"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (Change("add", "approval-bureau", "examiner-li"), "already on the roster"),
        (Change("enable", "approval-bureau", "examiner-li"), "already enabled"),
        (Change("disable", "municipal", "examiner-li"), "no examiner 'examiner-li' in department"),
        (Change("relate", "approval-bureau", "examiner-li"), "declare an employer"),
        (
            Change("relate", "approval-bureau", "examiner-li", {"inspected": [{"on": "x"}]}),
            "an inspection is",
        ),
        (Change("rename", "approval-bureau", "examiner-li"), "unknown roster change"),
    ],
)
def test_a_roster_change_the_roster_refuses_says_why(change: Change, message: str) -> None:
    roster = load_roster(DEFINITIONS / "examiners.yaml")
    with pytest.raises(InputError, match=message):
        apply_change(roster, change)
