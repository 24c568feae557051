"""Each broken definition reports exactly the problems its `# expect:` lines name, with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions import validate_paths
from engine.yamlsource import MAX_DEPTH

BROKEN = Path(__file__).parent / "broken"


def expected(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        f"{path}:{line.removeprefix('# expect: ')}"
        for line in lines
        if line.startswith("# expect: ")
    ]


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_reports_every_problem_at_its_line(path: Path, definitions_dir: Path) -> None:
    assert expected(path), "a broken file names what it expects"
    problems = validate_paths([path], root=definitions_dir)
    assert [str(p) for p in problems] == expected(path)


def test_a_folder_reports_all_files_at_once(definitions_dir: Path) -> None:
    problems = validate_paths([BROKEN], root=definitions_dir)
    assert {p.file for p in problems} == {str(p) for p in BROKEN.glob("*.yaml")}
    assert len(problems) == sum(len(expected(p)) for p in BROKEN.glob("*.yaml"))


def test_a_ten_megabyte_file_is_refused_before_reading(
    tmp_path: Path, definitions_dir: Path
) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("id: x\n" + "# padding\n" * 1_000_000)
    problems = validate_paths([huge], root=definitions_dir)
    assert [str(p) for p in problems] == [f"{huge}:1:1: file is larger than 1 MB"]


def test_deep_nesting_is_refused(tmp_path: Path, definitions_dir: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("steps: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    (problem,) = validate_paths([deep], root=definitions_dir)
    assert problem.message == f"nested deeper than {MAX_DEPTH} levels"


def test_not_a_mapping(tmp_path: Path, definitions_dir: Path) -> None:
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    assert [str(p) for p in validate_paths([listed], root=definitions_dir)] == [
        f"{listed}:1:1: expected a mapping of keys"
    ]


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path, definitions_dir: Path) -> None:
    (problem,) = validate_paths([tmp_path / "absent.yaml"], root=definitions_dir)
    assert problem.message.startswith("cannot read")
