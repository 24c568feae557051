"""Shared test builders have one home, `tests/fixtures`: no test module imports a conftest or
another test module (a builder moved there would otherwise be copied, or reached across layers)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def borrowed(source: str) -> list[tuple[int, str]]:
    """(line, module) of each import of a conftest or a test module in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module or ''}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        last = [name.rsplit(".", 1)[-1] for name in names]
        if any(part == "conftest" or part.startswith("test_") for part in last):
            found.append((node.lineno, names[0]))
    return found


def test_no_test_imports_a_conftest_or_another_test_module() -> None:
    modules = sorted(TESTS.rglob("*.py"))
    assert len(modules) > 50  # the walk found the tests
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {module}"
        for path in modules
        for line, module in borrowed(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_sees_every_form_of_borrowing() -> None:
    forms = [
        "from tests.unit.cases.conftest import Desk",
        "from .conftest import APPLICATION",
        "from tests.e2e.prefect.test_case_flow import paused",
        "import tests.unit.cases.conftest",
        "from tests.unit.cases import conftest",
    ]
    assert [len(borrowed(form)) for form in forms] == [1, 1, 1, 1, 1]
    assert borrowed("from tests.fixtures.desk import Desk\nimport pytest") == []
