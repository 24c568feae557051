"""The case core stays pure and small: it imports no database, flow, network, environment or
clock; its modules import each other in one direction (no circle) and at module level only;
none is over 400 lines."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[3] / "engine" / "cases"
CORE = [
    "state",
    "case",
    "errors",
    "notices",
    "run",
    "intake",
    "corrections",
    "sharing",
    "signing",
    "negatives",
    "time_limits",
    "case_clocks",
    "lifecycle",
    "acceptance",
    "deeming",
    "machine",
    "automatic",
]
ALLOWED = (
    "engine.calendar",
    "engine.definitions.model",
    "engine.definitions.graph",
    "engine.definitions.application",
)
STDLIB = set(sys.stdlib_module_names) - {"os", "time", "socket", "subprocess", "sqlite3", "http"}


def tree(module: str) -> ast.Module:
    return ast.parse((CASES / f"{module}.py").read_text(encoding="utf-8"))


def imports(module: str) -> list[str]:
    """The modules `module` imports (`from engine.cases import intake` counts as the module)."""
    found = []
    for node in tree(module).body:
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            if node.module == "engine.cases":
                found += [f"engine.cases.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
    return found


@pytest.mark.parametrize("module", CORE)
def test_a_core_module_imports_only_the_standard_library_and_the_pure_core(module: str) -> None:
    for name in imports(module):
        top = name.split(".")[0]
        pure = name in ("engine.errors", "orjson") or name.startswith(ALLOWED)
        core = name.removeprefix("engine.cases.") in CORE
        assert top in STDLIB or pure or core, f"{module} imports {name}"


@pytest.mark.parametrize("module", CORE)
def test_a_core_module_imports_at_module_level_and_reads_no_clock(module: str) -> None:
    body = tree(module)
    nested = [
        node.lineno
        for node in ast.walk(body)
        if isinstance(node, ast.Import | ast.ImportFrom) and node not in body.body
    ]
    assert nested == [], f"{module}: imports inside functions at lines {nested}"
    clock_calls = [
        node.lineno
        for node in ast.walk(body)
        if isinstance(node, ast.Attribute) and node.attr in ("now", "today", "utcnow", "time")
        and not (isinstance(node.value, ast.Attribute) and node.value.attr == "ctx")
        and not (isinstance(node.value, ast.Name) and node.value.id in ("run", "self"))
    ]  # fmt: skip
    assert clock_calls == [], f"{module} reads a clock at lines {clock_calls}"


def test_the_core_modules_import_each_other_without_a_circle() -> None:
    graph = {
        m: [n.removeprefix("engine.cases.") for n in imports(m) if n.startswith("engine.cases.")]
        for m in CORE
    }
    order: list[str] = []

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import circle: " + " -> ".join((*path, module))
        if module not in order:
            for needed in graph[module]:
                visit(needed, (*path, module))
            order.append(module)

    for module in CORE:
        visit(module, ())
    assert order.index("run") < order.index("intake") < order.index("machine")


@pytest.mark.parametrize("module", CORE)
def test_a_core_module_stays_under_400_lines(module: str) -> None:
    lines = (CASES / f"{module}.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 400, f"{module}.py has {lines} lines"
