"""The demo is not part of the product: of the engine and the flows, only the `onething demo`
command imports `engine.demo` (so `onething serve` and an installed wheel never depend on it)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = "engine.demo"
ALLOWED = ("engine/demo/", "engine/cli/")  # the demo itself, and its command


def imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every import, at module level or inside a function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def demo_imports(source: str) -> list[int]:
    """The lines of `source` that import the demo package or a module of it."""
    found = imported(ast.parse(source))
    return sorted({line for line, name in found if name == DEMO or name.startswith(f"{DEMO}.")})


def test_only_the_demo_command_imports_the_demo_package() -> None:
    product = [*(ROOT / "engine").rglob("*.py"), *(ROOT / "flows").rglob("*.py")]
    assert len(product) > 50  # the walk found the modules
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in product
        if not path.relative_to(ROOT).as_posix().startswith(ALLOWED)
        for line in demo_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_demo_command_is_the_one_that_imports_it() -> None:
    command = (ROOT / "engine" / "cli" / "demo_cmd.py").read_text(encoding="utf-8")
    assert demo_imports(command)


def test_every_form_of_import_is_caught() -> None:
    found = demo_imports(
        "import engine.demo.scene\n"
        "from engine import demo\n"
        "def f():\n"
        "    from engine.demo.driver import Driver\n"
        "import engine.demonstration\n"
    )
    assert found == [1, 2, 4]
