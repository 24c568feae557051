"""Validation finds what would only show in a running case: dead steps (a `when` that never
holds with the `when` of a step it needs) and limits the calendar can never count."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.calendar.units import Limit
from engine.definitions import Catalogue, Problem, validate_paths
from engine.definitions.model import ApplicationField
from engine.definitions.when import parse_when
from engine.definitions.whencheck import both, can_hold

HEADER = """\
id: rules
version: 1
title: 规则
owner: approval-bureau
calendar: gx
statutory_limit: 20 working-days
promised_limit: 5 working-days
fields:
  - {id: length_m, title: 长度, type: number, minimum: 1}
  - {id: seats, title: 座位, type: integer}
  - {id: width_m, title: 宽度, type: number}
  - {id: trees, title: 树, type: boolean}
  - {id: utility, title: 管线, type: enum, values: [water, gas]}
steps:
"""


def step(step_id: str, *, when: str | None = None, needs: str = "", limit: str = "same-day") -> str:
    lines = [
        f"  - id: {step_id}",
        f"    title: {step_id}",
        "    department: municipal",
        "    kind: review",
        f"    limit: {limit}",
    ]
    if needs:
        lines.append(f"    needs: [{needs}]")
    if when:
        lines.append(f"    when: {when}")
    return "\n".join(lines) + "\n"


def problems(tmp_path: Path, definitions_dir: Path, *steps: str) -> list[Problem]:
    path = tmp_path / "rules.yaml"
    path.write_text(HEADER + "".join(steps), encoding="utf-8")
    return validate_paths([path], root=definitions_dir)


def test_dead_step_a_when_contradicting_the_step_it_needs_is_reported_at_its_when(
    tmp_path: Path, definitions_dir: Path
) -> None:
    found = problems(
        tmp_path,
        definitions_dir,
        step("long-review", when="length_m > 200"),
        step("short-filing", when="length_m <= 200", needs="long-review"),
    )
    [problem] = found
    assert (problem.line, problem.col) == (27, 5)  # the `when:` of short-filing
    assert problem.message == (
        "dead step: 'short-filing' runs only when 'length_m <= 200' and needs 'long-review', "
        "which runs only when 'length_m > 200'; the two never hold together, so "
        "'long-review' is always skipped when 'short-filing' runs"
    )


def test_dead_step_through_a_chain_of_needs_names_the_step_in_between(
    tmp_path: Path, definitions_dir: Path
) -> None:
    found = problems(
        tmp_path,
        definitions_dir,
        step("gas-review", when='utility == "gas"'),
        step("middle", needs="gas-review"),
        step("water-filing", when='utility in ["water"] and trees', needs="middle"),
    )
    assert [p.message.split(";")[0] for p in found] == [
        "dead step: 'water-filing' runs only when 'utility in [\"water\"] and trees' and needs "
        "'gas-review' (through 'middle'), which runs only when 'utility == \"gas\"'"
    ]


@pytest.mark.parametrize(
    ("theirs", "mine"),
    [
        ("length_m > 200", "length_m < 200.3"),  # a sliver of an interval is enough
        ("seats > 7", "seats <= 8"),  # the one whole number 8
        ("length_m > 200", "trees"),  # other fields: independent
        ("width_m > length_m", "length_m > 5000"),  # two fields compared: assumed possible
    ],
)
def test_dead_step_conditions_that_can_hold_together_are_not_reported(
    tmp_path: Path, definitions_dir: Path, theirs: str, mine: str
) -> None:
    found = problems(
        tmp_path,
        definitions_dir,
        step("first", when=theirs),
        step("second", when=mine, needs="first"),
    )
    assert found == []


def test_dead_step_reasoning_knows_integers_and_declared_ranges() -> None:
    fields = {
        "seats": ApplicationField(id="seats", title="座位", type="integer"),
        "length_m": ApplicationField(id="length_m", title="长度", type="number", minimum=1),
    }
    assert not can_hold(both(parse_when("seats > 7"), parse_when("seats < 8")), fields)
    assert can_hold(both(parse_when("seats > 7"), parse_when("seats < 9")), fields)
    assert not can_hold(parse_when("length_m < 1"), fields)
    assert can_hold(parse_when("length_m <= 1"), fields)


def test_a_refusal_that_never_applies_is_reported(tmp_path: Path, definitions_dir: Path) -> None:
    path = tmp_path / "rules.yaml"
    refusal = (
        "refuse_when:\n  - {when: seats > 9 and seats < 10, reason: 座位过多, legal_basis: 某条}\n"
    )
    path.write_text(HEADER.replace("steps:\n", refusal + "steps:\n") + step("only"), "utf-8")
    [problem] = validate_paths([path], root=definitions_dir)
    assert problem.message == "refusal never applies: 'seats > 9 and seats < 10' is never true"
    assert (problem.line, problem.col) == (15, 6)


@pytest.mark.parametrize(
    "limit", ["1000000000 working-days", "4000 working-days", "99999 working-hours"]
)
def test_calendar_range_a_limit_the_calendar_cannot_count_is_refused_at_its_line(
    tmp_path: Path, definitions_dir: Path, limit: str
) -> None:
    found = problems(
        tmp_path, definitions_dir, step("publication", limit=limit).replace("review", "publication")
    )
    [problem] = found
    assert (problem.line, problem.col) == (19, 5)  # the step's `limit:`
    assert problem.message.startswith(f"limit {limit} lies beyond calendar 'gx': from 2026-12-31")


def test_calendar_range_reach_runs_from_the_last_published_year_to_the_range_end(
    catalogue: Catalogue,
) -> None:
    reach = catalogue.reach["gx"]
    assert (reach.since.isoformat(), reach.until.isoformat()) == ("2026-12-31", "2040-12-31")
    assert 3400 < reach.working_days < 3600  # 14 years of about 248 working days
    assert reach.holds(Limit.parse(f"{reach.working_days} working-days"))
    assert not reach.holds(Limit.parse(f"{reach.working_days + 1} working-days"))
    assert reach.holds(Limit.parse("45 working-days"))
    assert not reach.holds(Limit.parse("6000 natural-days"))


def test_case_limit_rules_a_path_promised_less_than_its_critical_path_or_more_than_statute(
    tmp_path: Path, definitions_dir: Path
) -> None:
    """A case's promise fits the path the application takes: validation refuses a path whose
    promise is shorter than its critical path, and one promised beyond its statutory limit."""
    rules = (
        "limit_rules:\n"
        "  - {when: length_m <= 200, promised_limit: 1 working-days}\n"
        "  - {when: length_m > 200, promised_limit: 30 working-days}\n"
    )
    path = tmp_path / "rules.yaml"
    path.write_text(
        HEADER.replace("steps:\n", rules + "steps:\n")
        + step("short", when="length_m <= 200", limit="3 working-days")
        + step("long", when="length_m > 200", limit="5 working-days"),
        encoding="utf-8",
    )
    found = [p.message for p in validate_paths([path], root=definitions_dir)]
    assert found == [
        "the path when length_m <= 200 takes 3 working days through short, more than its "
        "promised limit 1 working-days",
        "promised limit 30 working-days of the path when length_m > 200 exceeds its statutory "
        "limit 20 working-days",
    ]
