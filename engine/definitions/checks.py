"""Checks that look across a workflow and the catalogue: graph, conditions, references, limits.

Each check yields `(path, message)`; the loader turns the path into `file:line:col`. A check
sees only the parts that passed the shape validation, so one broken step hides nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.calendar.units import Limit
from engine.definitions import graph
from engine.definitions.catalogue import Catalogue
from engine.definitions.escalation import Rung
from engine.definitions.limits import exceeds, format_days, working_days
from engine.definitions.model import (
    ApplicationField,
    Material,
    RejectAction,
    Step,
    Workflow,
)
from engine.definitions.plan import path_plans
from engine.definitions.problems import Path, suggest
from engine.definitions.when import Condition
from engine.definitions.whencheck import both, can_hold, when_problems

Finding = tuple[Path, str]


@dataclass(frozen=True)
class Parts:
    """What of a workflow file passed the shape validation, with each item's index in the file.

    `header` is the whole workflow when the top level is valid too, else None.
    """

    steps: tuple[tuple[int, Step], ...]
    fields: tuple[tuple[int, ApplicationField], ...]
    materials: tuple[tuple[int, Material], ...]
    header: Workflow | None


def check_workflow(parts: Parts, catalogue: Catalogue) -> list[Finding]:
    """Every cross-reference problem of the workflow, in file order within each kind."""
    return [
        *_duplicates(parts),
        *_graph(parts),
        *_conditions(parts),
        *_dead_steps(parts),
        *_references(parts, catalogue),
        *_limits(parts, catalogue),
    ]


def _duplicates(parts: Parts) -> Iterator[Finding]:
    for key, items in (
        ("steps", parts.steps),
        ("fields", parts.fields),
        ("materials", parts.materials),
    ):
        seen: set[str] = set()
        for index, item in items:
            if item.id in seen:
                yield (key, index, "id"), f"duplicate id {item.id!r} in {key}"
            seen.add(item.id)


def _needs(parts: Parts) -> dict[str, list[str]]:
    known = {step.id for _, step in parts.steps}
    return {step.id: [n for n in step.needs if n in known] for _, step in parts.steps}


def _graph(parts: Parts) -> Iterator[Finding]:
    known = [step.id for _, step in parts.steps]
    index = {step.id: i for i, step in parts.steps}
    for i, step in parts.steps:
        for j, need in enumerate(step.needs):
            if need == step.id:
                yield ("steps", i, "needs", j), f"step {step.id!r} needs itself"
            elif need not in known:
                yield (
                    ("steps", i, "needs", j),
                    f"step {step.id!r} needs unknown step {need!r}"
                    + (suggest(need, known, listing=False)),
                )
    needs = {k: [n for n in v if n != k] for k, v in _needs(parts).items()}
    for cycle in graph.cycles(needs):
        yield ("steps", index[cycle[0]], "needs"), "dependency cycle: " + " -> ".join(cycle)
    for step_id, waits in graph.blocked(needs).items():
        if step_id != waits:
            yield (
                ("steps", index[step_id], "id"),
                f"step {step_id!r} can never run: it waits for {waits!r}, which is in a cycle",
            )


def _conditions(parts: Parts) -> Iterator[Finding]:
    fields = {f.id: f for _, f in parts.fields}
    for i, step in parts.steps:
        places: list[tuple[Path, Condition]] = []
        if step.when is not None:
            places.append((("steps", i, "when"), step.when))
        places += [
            (("steps", i, "limit_rules", r, "when"), rule.when)
            for r, rule in enumerate(step.limit_rules)
        ]
        for path, condition in places:
            problems = when_problems(condition, fields)
            yield from ((path, message) for message in problems)
            if not problems and not can_hold(condition, fields):
                what = (
                    f"step {step.id!r} can never run"
                    if path[-2:] == (i, "when")
                    else "rule never applies"
                )
                yield path, f"{what}: {condition.source!r} is never true"
    for m, material in parts.materials:
        if material.when is not None:
            for message in when_problems(material.when, fields):
                yield ("materials", m, "when"), message
    for r, rule in enumerate(parts.header.limit_rules if parts.header else ()):
        for message in when_problems(rule.when, fields):
            yield ("limit_rules", r, "when"), message
    for r, refusal in enumerate(parts.header.refuse_when if parts.header else ()):
        path = ("refuse_when", r, "when")
        problems = when_problems(refusal.when, fields)
        yield from ((path, message) for message in problems)
        if not problems and not can_hold(refusal.when, fields):
            yield path, f"refusal never applies: {refusal.when.source!r} is never true"


def _dead_steps(parts: Parts) -> Iterator[Finding]:
    """A step whose `when` never holds together with the `when` of a step it needs, directly or
    not: whenever it runs, that step is skipped, so it never runs after it (a dead step)."""
    fields = {f.id: f for _, f in parts.fields}
    conditions = {
        step.id: step.when
        for _, step in parts.steps
        if step.when is not None
        and not when_problems(step.when, fields)
        and can_hold(step.when, fields)
    }
    needs = _needs(parts)
    for i, step in parts.steps:
        mine = conditions.get(step.id)
        if mine is None:
            continue
        earlier = graph.ancestors(needs, step.id)
        for before in [s.id for _, s in parts.steps if s.id in earlier and s.id != step.id]:
            theirs = conditions.get(before)
            if theirs is None or can_hold(both(mine, theirs), fields):
                continue
            via = next((n for n in needs[step.id] if before in graph.ancestors(needs, n)), before)
            through = "" if via == before else f" (through {via!r})"
            yield (
                ("steps", i, "when"),
                f"dead step: {step.id!r} runs only when {mine.source!r} and needs "
                f"{before!r}{through}, which runs only when {theirs.source!r}; the two never "
                f"hold together, so {before!r} is always skipped when {step.id!r} runs",
            )


def _references(parts: Parts, catalogue: Catalogue) -> Iterator[Finding]:
    header = parts.header
    if header is not None:
        if header.owner not in catalogue.departments:
            yield (
                ("owner",),
                f"unknown department {header.owner!r}"
                + suggest(header.owner, catalogue.departments, listing=False),
            )
        if header.calendar not in catalogue.calendars:
            yield (
                ("calendar",),
                f"unknown calendar {header.calendar!r}"
                + suggest(header.calendar, catalogue.calendars),
            )
        yield from _ladder(("escalation",), header.escalation, header.owner, catalogue)
    yield from _sources(parts, catalogue)
    needs = _needs(parts)
    materials = {m.id for _, m in parts.materials}
    produced = {step.id: set(step.produces) for _, step in parts.steps}
    for i, step in parts.steps:
        if step.department not in catalogue.departments:
            yield (
                ("steps", i, "department"),
                f"unknown department {step.department!r}"
                + suggest(step.department, catalogue.departments, listing=False),
            )
            continue
        if step.matter is not None and step.matter not in catalogue.matters:
            yield (
                ("steps", i, "matter"),
                f"unknown matter {step.matter!r}"
                + suggest(step.matter, catalogue.matters, listing=False),
            )
        if step.signers is not None:
            for r, ref in enumerate(step.signers.roles):
                if problem := catalogue.role_problem(ref, department=step.department):
                    yield ("steps", i, "signers", "roles", r), f"signer {ref!r}: {problem}"
        if step.draw is not None:
            opener = f"{step.draw.pool}/{step.draw.opener}"
            if problem := catalogue.role_problem(opener, department=step.department):
                yield ("steps", i, "draw", "pool"), f"draw from {step.draw.pool!r}: {problem}"
        if step.escalation:
            yield from _ladder(
                ("steps", i, "escalation"), step.escalation, step.department, catalogue
            )
        else:
            inherited = (header.escalation if header else ()) or catalogue.escalation
            for _, message in _ladder((), inherited, step.department, catalogue):
                yield ("steps", i, "department"), f"{message} (in the default ladder)"
        before = graph.ancestors(needs, step.id)
        if step.on_reject.action is RejectAction.RETURN_TO and step.on_reject.step not in before:
            yield (
                ("steps", i, "on_reject"),
                (
                    f"on_reject returns to {step.on_reject.step!r}, "
                    f"which is not a step before {step.id!r}"
                ),
            )
        available = materials.union(*(produced[s] for s in before))
        for u, used in enumerate(step.uses):
            if used not in available:
                yield (
                    ("steps", i, "uses", u),
                    f"{used!r} is neither a material nor made by an earlier step",
                )


def _ladder(
    path: Path, ladder: Sequence[Rung], department: str, catalogue: Catalogue
) -> Iterator[Finding]:
    if department not in catalogue.departments:
        return
    for r, rung in enumerate(ladder):
        for n, ref in enumerate(rung.notify):
            if problem := catalogue.role_problem(ref, department=department):
                yield (*path, r, "notify", n), f"escalation target {ref!r}: {problem}"


def _limits(parts: Parts, catalogue: Catalogue) -> Iterator[Finding]:
    for i, step in parts.steps:
        matter = catalogue.matters.get(step.matter or "")
        if matter is None:
            continue
        for path, limit in (
            (("steps", i, "limit"), step.limit),
            *(
                (("steps", i, "limit_rules", r, "limit"), rule.limit)
                for r, rule in enumerate(step.limit_rules)
            ),
        ):
            if exceeds(limit, matter.statutory_limit):
                yield (
                    path,
                    (
                        f"step {step.id!r}: limit {limit} exceeds the statutory limit "
                        f"{matter.statutory_limit} of matter {matter.code!r}"
                    ),
                )
    header = parts.header
    if header is None:
        return
    if (reach := catalogue.reach.get(header.calendar)) is not None:
        for path, limit in _every_limit(parts, header):
            if not reach.holds(limit):
                yield path, f"limit {limit} lies beyond calendar {header.calendar!r}: {reach}"
    if exceeds(header.promised_limit, header.statutory_limit):
        yield (
            ("promised_limit",),
            (
                f"promised limit {header.promised_limit} exceeds "
                f"the statutory limit {header.statutory_limit}"
            ),
        )
    for m, material in parts.materials:
        if material.deferrable and exceeds(
            material.deferrable.supply_within, header.promised_limit
        ):
            yield (
                ("materials", m, "deferrable", "supply_within"),
                (
                    f"deferred material {material.id!r} is due after the promised limit "
                    f"{header.promised_limit} (容缺: no later than the promised limit)"
                ),
            )
    for route in path_plans(header):
        where: Path = (
            ("limit_rules", route.rule, "promised_limit")
            if route.rule is not None
            else ("promised_limit",)
        )
        name = f"the path when {route.when}" if route.when else "the longest path"
        if route.taken and route.critical_days > working_days(route.promised_limit):
            yield (
                where,
                (
                    f"{name} takes {format_days(route.critical_days)} through "
                    f"{' -> '.join(route.critical_path)}, more than its promised limit "
                    f"{route.promised_limit}"
                ),
            )
        if route.rule is not None and exceeds(route.promised_limit, route.statutory_limit):
            yield (
                where,
                (
                    f"promised limit {route.promised_limit} of {name} exceeds "
                    f"its statutory limit {route.statutory_limit}"
                ),
            )


def _every_limit(parts: Parts, header: Workflow) -> Iterator[tuple[Path, Limit]]:
    """Every time limit the workflow states, with its place."""
    yield ("statutory_limit",), header.statutory_limit
    yield ("promised_limit",), header.promised_limit
    for r, case_rule in enumerate(header.limit_rules):
        yield ("limit_rules", r, "promised_limit"), case_rule.promised_limit
        if case_rule.statutory_limit is not None:
            yield ("limit_rules", r, "statutory_limit"), case_rule.statutory_limit
    for m, material in parts.materials:
        if material.deferrable:
            yield ("materials", m, "deferrable", "supply_within"), material.deferrable.supply_within
    for i, step in parts.steps:
        yield ("steps", i, "limit"), step.limit
        for r, rule in enumerate(step.limit_rules):
            yield ("steps", i, "limit_rules", r, "limit"), rule.limit


def _sources(parts: Parts, catalogue: Catalogue) -> Iterator[Finding]:
    """A material's source must exist: a catalogue matter whose certificates the library holds,
    or a registry of the definitions folder; and the value it is found by must be asked."""
    fields = {f.id for _, f in parts.fields}
    for m, material in parts.materials:
        source = material.source
        if source is None:
            continue
        if source.library is not None and source.library not in catalogue.matters:
            yield (
                ("materials", m, "source", "library"),
                f"unknown matter {source.library!r}"
                + suggest(source.library, catalogue.matters, listing=False),
            )
        if source.registry is not None and source.registry not in catalogue.registries:
            yield (
                ("materials", m, "source", "registry"),
                f"unknown registry {source.registry!r}"
                + suggest(source.registry, catalogue.registries),
            )
        part, _, name = source.by.partition(".")
        if part == "fields" and name not in fields:
            yield ("materials", m, "source", "by"), f"the application has no field {name!r}"
