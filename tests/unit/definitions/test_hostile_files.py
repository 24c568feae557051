"""Definition files written to hurt: each is refused at its place, in bounded time and memory.

The per-test timeout bounds each; before the alias count, the billion-laughs file ran past 60 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions import validate_paths
from engine.definitions.when import MAX_LENGTH, MAX_NESTING, WhenError, parse_when
from engine.errors import SourceError
from engine.yamlsource import MAX_NODES, load_text

WORKFLOW = "utility-external-works"


def laughs(depth: int = 10, width: int = 9) -> str:
    """A 'billion laughs': each anchor a list of `width` aliases of the one before."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, depth)]
    return "\n".join(lines) + "\n"


def variant(definitions_dir: Path, tmp_path: Path, old: str, new: str) -> Path:
    """The sample workflow with `old` replaced by `new` once (under its own id)."""
    text = (definitions_dir / "workflows" / f"{WORKFLOW}.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "hostile.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.timeout(10)
def test_billion_laughs_is_refused_without_expanding_it(
    tmp_path: Path, definitions_dir: Path
) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(laughs())
    assert len(path.read_bytes()) < 600
    (problem,) = validate_paths([path], root=definitions_dir)
    assert problem.message == f"more than {MAX_NODES:,} values once its aliases are expanded"
    assert problem.line is not None


def test_a_few_shared_aliases_still_load() -> None:
    doc = load_text("x: &x {k: 1}\ny: [*x, *x]\n", file="shared.yaml")
    assert doc["y"] == [{"k": 1}, {"k": 1}]


def test_an_alias_inside_itself_is_refused(tmp_path: Path, definitions_dir: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text("a: &a [1, *a]\n")
    (problem,) = validate_paths([path], root=definitions_dir)
    assert problem.message == "an alias refers to a value that holds it"


@pytest.mark.timeout(10)
def test_a_when_of_5000_nots_is_refused_at_its_line(tmp_path: Path, definitions_dir: Path) -> None:
    path = variant(definitions_dir, tmp_path, "when: affects_trees", "when: " + "not " * 5000 + "x")
    problem = validate_paths([path], root=definitions_dir)[0]
    assert problem.message == f"when: the condition is longer than {MAX_LENGTH} characters"
    line = path.read_text(encoding="utf-8").splitlines().index("    when: " + "not " * 5000 + "x")
    assert (problem.line, problem.col) == (line + 1, 5)


def test_nesting_a_when_past_its_limit_names_the_column() -> None:
    with pytest.raises(WhenError, match=f"nested deeper than {MAX_NESTING} levels"):
        parse_when("not " * (MAX_NESTING + 1) + "x")
    with pytest.raises(WhenError, match="nested deeper"):
        parse_when("(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1))
    assert parse_when("not " * MAX_NESTING + "x").holds({"x": MAX_NESTING % 2 == 0})


def test_a_300000_character_title_is_refused(tmp_path: Path, definitions_dir: Path) -> None:
    path = variant(
        definitions_dir, tmp_path, "title: 水电气外线工程并联审批", "title: " + "长" * 300_000
    )
    (problem,) = validate_paths([path], root=definitions_dir)
    assert "at most 200 characters" in problem.message
    assert problem.line is not None


def test_a_version_of_ten_to_the_23_is_refused(tmp_path: Path, definitions_dir: Path) -> None:
    path = variant(definitions_dir, tmp_path, "version: 1\n", f"version: {10**23}\n")
    (problem,) = validate_paths([path], root=definitions_dir)
    assert "less than or equal to 2147483647" in problem.message


def test_a_control_character_is_refused_in_one_line() -> None:
    """Found by the fuzz suite: YAML's reader error spanned three lines."""
    with pytest.raises(SourceError) as refused:
        load_text("\x1f", file="control.yaml")
    assert str(refused.value) == "control.yaml: malformed YAML: character #x001f is not allowed"
