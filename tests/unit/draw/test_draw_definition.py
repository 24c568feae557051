"""An inspection's `draw:` in a workflow file: its mistakes at their file:line:col."""

from __future__ import annotations

import pytest

from engine.definitions.loader import load_catalogue, load_workflow_text
from engine.definitions.problems import DefinitionError
from tests.fixtures.definitions import DEFINITIONS

SOURCE = (DEFINITIONS / "workflows" / "utility-external-works.yaml").read_text(encoding="utf-8")
DRAW = "draw: {pool: approval-bureau, count: 2,"
LINE = next(n for n, text in enumerate(SOURCE.splitlines(), 1) if DRAW in text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("draw: {pool: approval-bureau, count: 1,", "greater than or equal to 2"),
        ("draw: {pool: approval-bureu, count: 2,", "unknown department 'approval-bureu'"),
        ("draw: {pool: approval-bureau, count: 2, opener: chief,", "has no role 'chief'"),
    ],
)
def test_a_draw_mistake_is_reported_at_its_place(change: str, message: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        load_workflow_text(
            SOURCE.replace(DRAW, change), file="w.yaml", catalogue=load_catalogue(DEFINITIONS)
        )
    found = [str(p) for p in raised.value.problems]
    assert any(p.startswith(f"w.yaml:{LINE}:") and message in p for p in found), found


def test_only_an_inspection_has_a_draw() -> None:
    changed = SOURCE.replace("kind: inspection", "kind: review", 1)
    with pytest.raises(DefinitionError, match="only an inspection step has a `draw`"):
        load_workflow_text(changed, file="w.yaml", catalogue=load_catalogue(DEFINITIONS))
