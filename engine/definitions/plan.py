"""What a workflow promises: its critical path against the same matters handled one by one.

Three figures, all in working days (`limits.working_days`):
- critical path: the longest chain of counted steps, parallel branches overlapping;
- steps in series: the same steps run one after another;
- handled separately: each matter at its own promised limit, one after another — the applicant's
  road before the combined service (the report's "11 working days").
Steps that do not count toward the case's limit (publication after the decision; a clock stopped
under Art. 45) add nothing to these figures and are listed on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from engine.calendar.units import Limit
from engine.definitions import graph
from engine.definitions.catalogue import Matter
from engine.definitions.limits import format_days, working_days
from engine.definitions.model import Workflow
from engine.definitions.when import Condition, WhenError
from engine.definitions.whencheck import applications


@dataclass(frozen=True)
class StepPlan:
    id: str
    title: str
    department: str
    matter: str | None
    kind: str
    when: str | None
    applies: bool | None  # None: no application given, so assumed to apply
    counted: bool
    limit: Limit
    start: Fraction
    finish: Fraction
    critical: bool


@dataclass(frozen=True)
class PathPlan:
    """A path applications take (a case limit rule, or the workflow's own limits when `rule`
    is None), its promise beside the longest critical path of an application taking it."""

    rule: int | None
    when: str | None
    promised_limit: Limit
    statutory_limit: Limit
    critical_path: tuple[str, ...]
    critical_days: Fraction
    taken: bool  # some application takes this path
    serial_days: Fraction = Fraction(0)  # its longest application's steps one after another
    materials: MaterialCount | None = None  # the most an application on this path is asked


@dataclass(frozen=True)
class MaterialCount:
    """How many materials the applicant supplies, and how many the engine looks up instead
    (减少收件材料, the report's own measure)."""

    supplied: int
    library: int
    registry: int

    @property
    def looked_up(self) -> int:
        return self.library + self.registry

    def text(self) -> str:
        return (
            f"applicant supplies {self.supplied}, looked up {self.looked_up} "
            f"(library {self.library}, registries {self.registry})"
        )


def material_count(workflow: Workflow, values: Mapping[str, Any] | None) -> MaterialCount:
    """The materials an application with these field values is asked for (all required ones
    without values), split by who brings them."""
    asked = [
        m
        for m in workflow.materials
        if m.required and (values is None or m.when is None or m.asked(values))
    ]
    library = sum(1 for m in asked if m.source is not None and m.source.library)
    registry = sum(1 for m in asked if m.source is not None and m.source.registry)
    return MaterialCount(len(asked) - library - registry, library, registry)


@dataclass(frozen=True)
class DepartmentLoad:
    department: str
    steps: tuple[str, ...]
    days: Fraction  # the sum of its counted steps' limits


@dataclass(frozen=True)
class Plan:
    workflow: str
    version: int
    data_given: bool
    statutory_limit: Limit
    promised_limit: Limit
    steps: tuple[StepPlan, ...]
    critical_path: tuple[str, ...]
    critical_days: Fraction
    serial_days: Fraction
    separate_days: Fraction
    separate_matters: tuple[str, ...]
    departments: tuple[DepartmentLoad, ...]
    paths: tuple[PathPlan, ...] = ()
    materials: MaterialCount | None = None


def day_figure(days: Fraction) -> int | float:
    """A figure in working days: whole when whole, else a fraction of a day."""
    return days.numerator if days.denominator == 1 else float(days)


def make_plan(
    workflow: Workflow,
    matters: Mapping[str, Matter],
    *,
    values: Mapping[str, Any] | None = None,
    with_paths: bool = True,
) -> Plan:
    """Plan `workflow` for an application's field `values`, or for the worst case without;
    `paths` gives each path's promise beside its critical path (`path_plans`)."""
    filled = workflow.field_values(values) if values is not None else None
    steps = {step.id: step for step in workflow.steps}
    needs = {s.id: [n for n in s.needs if n in steps] for s in workflow.steps}
    order = graph.running_order(needs)
    applies = {s: filled is None or steps[s].applies(filled) for s in order}
    limit = {
        s: steps[s].limit_for(filled) if filled is not None else steps[s].longest_limit
        for s in order
    }
    # finish and chain length of the longest counted chain ending at each step
    start: dict[str, Fraction] = {}
    finish: dict[str, Fraction] = {}
    depth: dict[str, int] = {}
    came_from: dict[str, str | None] = {}
    for s in order:
        best = max(needs[s], key=lambda n: (finish[n], depth[n]), default=None)
        start[s] = finish[best] if best else Fraction(0)
        counts = applies[s] and steps[s].is_counted
        finish[s] = start[s] + (working_days(limit[s]) if counts else 0)
        depth[s] = (depth[best] if best else 0) + (1 if counts else 0)
        came_from[s] = best
    path: list[str] = []
    end = max(order, key=lambda s: (finish[s], depth[s]), default=None)
    while end is not None:
        if applies[end] and steps[end].is_counted:
            path.append(end)
        end = came_from[end]
    path.reverse()
    running = [s for s in order if applies[s]]
    counted = [s for s in running if steps[s].is_counted]
    matter_ids = list(dict.fromkeys(m for s in counted if (m := steps[s].matter or "") in matters))
    loads: dict[str, list[str]] = {}
    for s in running:
        loads.setdefault(steps[s].department, []).append(s)
    promised, statutory = (
        workflow.limits_for(filled)
        if filled is not None
        else (workflow.promised_limit, workflow.statutory_limit)
    )
    return Plan(
        workflow=workflow.id,
        version=workflow.version,
        data_given=filled is not None,
        statutory_limit=statutory,
        promised_limit=promised,
        steps=tuple(
            StepPlan(
                id=s,
                title=steps[s].title,
                department=steps[s].department,
                matter=steps[s].matter,
                kind=str(steps[s].kind),
                when=str(steps[s].when) if steps[s].when else None,
                applies=applies[s] if filled is not None else None,
                counted=steps[s].is_counted,
                limit=limit[s],
                start=start[s],
                finish=finish[s],
                critical=s in path,
            )
            for s in order
        ),
        critical_path=tuple(path),
        critical_days=max(finish.values(), default=Fraction(0)),
        serial_days=sum((working_days(limit[s]) for s in counted), Fraction(0)),
        separate_days=sum(
            (working_days(matters[m].promised_limit) for m in matter_ids), Fraction(0)
        ),
        separate_matters=tuple(matter_ids),
        departments=tuple(
            DepartmentLoad(
                d,
                tuple(ids),
                sum((working_days(limit[s]) for s in ids if steps[s].is_counted), Fraction(0)),
            )
            for d, ids in loads.items()
        ),
        paths=path_plans(workflow, values=filled) if with_paths else (),
        materials=material_count(workflow, filled),
    )


def path_plans(
    workflow: Workflow, *, values: Mapping[str, Any] | None = None
) -> tuple[PathPlan, ...]:
    """Each path's promise beside its critical path: the case limit rules in order, then the
    workflow's own limits (for the applications no rule holds for). Without `values`, every
    region of the fields the conditions cut is tried and each path takes its worst case; with
    them, only the path they take."""
    by_rule: dict[int | None, tuple[Fraction, tuple[str, ...]]] = {}
    serial: dict[int | None, Fraction] = {}
    counts: dict[int | None, MaterialCount] = {}
    if values is not None:
        tried: list[dict[str, Any]] | None = [dict(values)]
    else:
        fields = {f.id: f for f in workflow.fields}
        tried = applications(_conditions(workflow), fields)
    trials: list[dict[str, Any] | None] = list(tried) if tried else [None]
    for application in trials:  # None, too many to try: the worst case for each path
        try:
            plan = make_plan(workflow, {}, values=application, with_paths=False)
            rule = workflow.limit_rule_for(application) if application is not None else None
        except WhenError:  # a condition on an unknown field: reported by the checks
            continue
        index = workflow.limit_rules.index(rule) if rule is not None else None
        rules: list[int | None] = [index] if tried else [*range(len(workflow.limit_rules)), None]
        count = material_count(workflow, application)
        for key in rules:
            if key not in by_rule or plan.critical_days > by_rule[key][0]:
                by_rule[key] = (plan.critical_days, plan.critical_path)
            serial[key] = max(serial.get(key, Fraction(0)), plan.serial_days)
            known = counts.get(key)
            if known is None or count.supplied + count.looked_up > known.supplied + known.looked_up:
                counts[key] = count
    shown = [r for r in (*range(len(workflow.limit_rules)), None) if values is None or r in by_rule]
    found = []
    for key in shown:
        rule = workflow.limit_rules[key] if key is not None else None
        days, path = by_rule.get(key, (Fraction(0), ()))
        found.append(
            PathPlan(
                rule=key,
                when=str(rule.when) if rule else None,
                promised_limit=rule.promised_limit if rule else workflow.promised_limit,
                statutory_limit=(rule.statutory_limit if rule else None)
                or workflow.statutory_limit,
                critical_path=path,
                critical_days=days,
                taken=key in by_rule,
                materials=counts.get(key),
                serial_days=serial.get(key, Fraction(0)),
            )
        )
    return tuple(found)


def _conditions(workflow: Workflow) -> list[Condition]:
    """Every condition that decides which steps run, their limits, the case's limits, and
    the materials asked."""
    found = [rule.when for rule in workflow.limit_rules]
    found += [m.when for m in workflow.materials if m.when]
    for step in workflow.steps:
        found += [step.when] if step.when else []
        found += [rule.when for rule in step.limit_rules]
    return found


def render_plan(plan: Plan) -> str:
    """The plan as text for people."""
    lines = [
        f"{plan.workflow} v{plan.version}"
        + ("" if plan.data_given else "  (no application given: every conditional step counted)"),
        f"  statutory limit {plan.statutory_limit}, promised limit {plan.promised_limit}",
        f"  critical path        {format_days(plan.critical_days):>18}   "
        + " -> ".join(plan.critical_path),
        f"  steps in series      {format_days(plan.serial_days):>18}",
        f"  handled separately   {format_days(plan.separate_days):>18}   "
        + " + ".join(plan.separate_matters),
        *(
            f"  path {f'when {p.when}' if p.when else 'otherwise':<34} promised "
            f"{str(p.promised_limit):<16} critical path {format_days(p.critical_days)}: "
            + " -> ".join(p.critical_path)
            + (f"; materials: {p.materials.text()}" if p.materials else "")
            for p in plan.paths
            if p.taken and len(plan.paths) > 1
        ),
        *([f"  materials            {plan.materials.text()}"] if plan.materials else []),
        "  steps:",
    ]
    for s in plan.steps:
        flag = "*" if s.critical else " "
        state = "" if s.applies is None else ("" if s.applies else "  [skipped]")
        extra = "" if s.counted else "  (not counted: own clock)"
        cond = f"  when {s.when}" if s.when else ""
        lines.append(
            f"   {flag} {s.id:<30} {s.department:<18} {str(s.limit):<18}"
            f" day {day_figure(s.start)}→{day_figure(s.finish)}{cond}{state}{extra}"
        )
    lines.append("  departments:")
    for d in plan.departments:
        lines.append(
            f"    {d.department:<18} {len(d.steps)} step(s), {format_days(d.days)}: "
            + ", ".join(d.steps)
        )
    return "\n".join(lines)
