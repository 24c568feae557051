"""Read definition files into models, collecting every problem at its `file:line:col`.

A definitions directory holds `departments.yaml`, `matters.yaml`, `calendars/*.yaml` and
`workflows/*.yaml`. Lists (steps, fields, materials, departments, matters) are validated item
by item, so one broken item hides no problem elsewhere in the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from engine.calendar import load_calendars
from engine.definitions.application import application_problems, missing_materials
from engine.definitions.catalogue import (
    Catalogue,
    Department,
    DepartmentsFile,
    Matter,
    MattersFile,
    matter_problems,
)
from engine.definitions.checks import Finding, Parts, check_workflow
from engine.definitions.escalation import Rung
from engine.definitions.limits import CalendarReach, calendar_reach
from engine.definitions.model import ApplicationField, Material, Step, Workflow
from engine.definitions.problems import (
    DefinitionError,
    Problem,
    problem_at,
    suggest,
    validation_problems,
)
from engine.errors import OnethingError, SourceError
from engine.yamlsource import Located, LocatedList, load_file, load_text

DEPARTMENTS_FILE = "departments.yaml"
MATTERS_FILE = "matters.yaml"
WORKFLOWS_DIR = "workflows"
CALENDARS_DIR = "calendars"
SAMPLES_DIR = "samples"

M = TypeVar("M", bound=BaseModel)


def source_problem(error: SourceError) -> Problem:
    return Problem(error.file, error.line or 1, error.col or 1, error.message)


def _validate(
    doc: Any, model: type[M], *, file: str, lists: dict[str, type[BaseModel]]
) -> tuple[M | None, dict[str, list[tuple[int, Any]]], list[Problem]]:
    """Validate `doc` as `model`, the `lists` item by item; returns what passed and the problems."""
    if not isinstance(doc, Located):
        return None, {key: [] for key in lists}, [Problem(file, 1, 1, "expected a mapping of keys")]
    problems: list[Problem] = []
    good: dict[str, list[tuple[int, Any]]] = {}
    for key, item_model in lists.items():
        good[key] = []
        raw = doc.get(key)
        if not isinstance(raw, LocatedList):
            continue
        for index, item in enumerate(raw):
            try:
                good[key].append((index, item_model.model_validate(item)))
            except ValidationError as error:
                problems += validation_problems(
                    error, doc, file=file, model=model, prefix=(key, index)
                )
    top = dict(doc) | {
        key: [item for _, item in items]
        for key, items in good.items()
        if key in doc and isinstance(doc[key], LocatedList)
    }
    reported = {
        key
        for key in good
        if isinstance(doc.get(key), LocatedList) and len(good[key]) < len(doc[key])
    }
    try:
        return model.model_validate(top), good, problems
    except ValidationError as error:
        for problem in validation_problems(error, doc, file=file, model=model):
            problems.append(problem)
        problems = [p for p in problems if not _about_emptied(p, doc, reported)]
        return None, good, problems


def _about_emptied(problem: Problem, doc: Located, reported: set[str]) -> bool:
    """A `steps: at least 1 item` complaint about a list whose items were already reported."""
    return any(
        (problem.line, problem.col) == doc.at(key) and "at least 1 item" in problem.message
        for key in reported
    )


def _findings(findings: Iterable[Finding], doc: Any, *, file: str) -> list[Problem]:
    return [problem_at(doc, path, message, file=file) for path, message in findings]


# --- the catalogue -------------------------------------------------------------------------


def calendar_ids(root: Path) -> tuple[frozenset[str], list[Problem]]:
    """The `id` of each `calendars/*.yaml` (the calendar module checks the rest of them)."""
    ids: set[str] = set()
    problems: list[Problem] = []
    for path in sorted((root / CALENDARS_DIR).glob("*.yaml")):
        try:
            doc = load_file(path)
        except SourceError as error:
            problems.append(source_problem(error))
            continue
        if isinstance(doc, Located) and isinstance(doc.get("id"), str):
            ids.add(doc["id"])
        else:
            problems.append(Problem(str(path), 1, 1, "a calendar file needs an 'id'"))
    return frozenset(ids), problems


def _reach(root: Path) -> dict[str, CalendarReach]:
    """How far each calendar can count; a calendar with problems of its own (the calendar
    module reports them) has none."""
    try:
        found = load_calendars(root / CALENDARS_DIR)
        return {cid: calendar_reach(found.get(cid)) for cid in found.ids}
    except OnethingError:
        return {}


def read_departments(path: Path) -> tuple[DepartmentsFile | None, list[Department], list[Problem]]:
    file = str(path)
    try:
        doc = load_file(path)
    except SourceError as error:
        return None, [], [source_problem(error)]
    parsed, good, problems = _validate(
        doc, DepartmentsFile, file=file, lists={"departments": Department}
    )
    departments = [d for _, d in good["departments"]]
    known = {d.id for d in departments}
    roles = parsed.roles if parsed else doc.get("roles", {}) if isinstance(doc, Located) else {}
    findings: list[Finding] = []
    seen: set[str] = set()
    for index, dept in good["departments"]:
        at = ("departments", index)
        if dept.id in seen:
            findings.append(((*at, "id"), f"duplicate department {dept.id!r}"))
        seen.add(dept.id)
        if dept.parent is not None and dept.parent not in known:
            findings.append(((*at, "parent"), f"unknown parent department {dept.parent!r}"))
        for r, role in enumerate(dept.roles):
            if role not in roles:
                findings.append(
                    ((*at, "roles", r), f"unknown role {role!r}" + suggest(role, roles))
                )
        catalogue = Catalogue(roles=dict(roles), departments={d.id: d for d in departments})
        for e, ref in enumerate(dept.escalation):
            if problem := catalogue.role_problem(ref, department=dept.id):
                findings.append(((*at, "escalation", e), f"escalation target {ref!r}: {problem}"))
        for key in dept.channels:
            if key != "default" and key not in dept.roles:
                findings.append(
                    ((*at, "channels", key), f"channels for {key!r}, a role {dept.id!r} lacks")
                )
    if parsed is not None:
        catalogue = Catalogue(roles=dict(parsed.roles), departments={d.id: d for d in departments})
        ladders: list[tuple[tuple[str, ...], tuple[Rung, ...]]] = [
            (("escalation",), parsed.escalation)
        ]
        if parsed.negative_decision is not None:
            ladders.append(
                (("negative_decision", "escalation"), parsed.negative_decision.escalation)
            )
        for where, ladder in ladders:
            for r, rung in enumerate(ladder):
                for n, ref in enumerate(rung.notify):
                    if "/" in ref and (problem := catalogue.role_problem(ref, department="")):
                        findings.append(
                            ((*where, r, "notify", n), f"escalation target {ref!r}: {problem}")
                        )
    return parsed, departments, problems + _findings(findings, doc, file=file)


def read_matters(path: Path, *, departments: Iterable[str]) -> tuple[list[Matter], list[Problem]]:
    file = str(path)
    try:
        doc = load_file(path)
    except SourceError as error:
        return [], [source_problem(error)]
    _, good, problems = _validate(doc, MattersFile, file=file, lists={"matters": Matter})
    known = set(departments)
    findings: list[Finding] = []
    seen: set[str] = set()
    for index, matter in good["matters"]:
        if matter.code in seen:
            findings.append((("matters", index, "code"), f"duplicate matter {matter.code!r}"))
        seen.add(matter.code)
        if known and matter.department not in known:
            findings.append(
                (("matters", index, "department"), f"unknown department {matter.department!r}")
            )
        findings += [(("matters", index, "promised_limit"), m) for m in matter_problems(matter)]
    return [m for _, m in good["matters"]], problems + _findings(findings, doc, file=file)


REGISTRIES_DIR = "registries"


def registry_ids(root: Path) -> frozenset[str]:
    """The outside registries of the definitions folder: each `registries/<id>.yaml` that
    holds `records` (a material's `source: {registry: <id>}` reads one)."""
    found = set()
    for path in sorted((root / REGISTRIES_DIR).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "records" in doc:
            found.add(path.stem)
    return frozenset(found)


def read_catalogue(root: Path) -> tuple[Catalogue, list[Problem]]:
    """The catalogue of a definitions directory, with the problems of its files."""
    parsed, departments, problems = read_departments(root / DEPARTMENTS_FILE)
    matters, more = read_matters(root / MATTERS_FILE, departments=[d.id for d in departments])
    calendars, even_more = calendar_ids(root)
    catalogue = Catalogue(
        roles=dict(parsed.roles) if parsed else {},
        departments={d.id: d for d in departments},
        matters={m.code: m for m in matters},
        calendars=calendars,
        registries=registry_ids(root),
        reach=_reach(root),
        escalation=parsed.escalation if parsed else (),
        negative_decision=parsed.negative_decision if parsed else None,
    )
    return catalogue, problems + more + even_more


def load_catalogue(root: Path) -> Catalogue:
    """The catalogue of a definitions directory; raises `DefinitionError` on any problem."""
    catalogue, problems = read_catalogue(root)
    if problems:
        raise DefinitionError(problems)
    return catalogue


# --- workflows -----------------------------------------------------------------------------


def read_workflow(
    doc: Any, *, file: str, catalogue: Catalogue
) -> tuple[Workflow | None, list[Problem]]:
    """Validate a parsed workflow document: its shape, then everything it refers to."""
    workflow, good, problems = _validate(
        doc,
        Workflow,
        file=file,
        lists={"steps": Step, "fields": ApplicationField, "materials": Material},
    )
    parts = Parts(
        steps=tuple(good["steps"]),
        fields=tuple(good["fields"]),
        materials=tuple(good["materials"]),
        header=workflow,
    )
    problems += _findings(check_workflow(parts, catalogue), doc, file=file)
    if problems or workflow is None:
        return None, sorted(problems)
    filled: dict[str, Any] = {}
    if not workflow.negative_decisions:
        filled["negative_decisions"] = catalogue.negative_decisions()
    if not workflow.escalation:
        filled["escalation"] = catalogue.escalation
    return workflow.model_copy(update=filled), []


def load_workflow_text(text: str, *, file: str, catalogue: Catalogue) -> Workflow:
    """A workflow from its source text; raises `DefinitionError` listing every problem."""
    try:
        doc = load_text(text, file=file)
    except SourceError as error:
        raise DefinitionError([source_problem(error)]) from None
    workflow, problems = read_workflow(doc, file=file, catalogue=catalogue)
    if workflow is None:
        raise DefinitionError(problems)
    return workflow


def load_workflow(path: Path, catalogue: Catalogue) -> Workflow:
    """A workflow from its file; raises `DefinitionError` listing every problem."""
    try:
        text = read_source(path)
    except SourceError as error:
        raise DefinitionError([source_problem(error)]) from None
    return load_workflow_text(text, file=str(path), catalogue=catalogue)


def read_source(path: Path) -> str:
    """A definition file's text, through the same size and encoding guards as `load_file`."""
    load_file(path)
    return path.read_text(encoding="utf-8")


# --- applications --------------------------------------------------------------------------


def application_problems_at(doc: Any, workflow: Workflow, *, file: str) -> list[Problem]:
    """An application's problems at their places in its (JSON or YAML) file: what the intake
    would refuse, and the materials it would ask for again."""
    findings = application_problems(workflow, doc) + missing_materials(workflow, doc)
    return _findings(findings, doc, file=file)


def located_findings(path: Path, findings: Iterable[Finding]) -> DefinitionError:
    """An application file's problems (e.g. an intake's refusal) at their places in the file."""
    try:
        doc = load_file(path)
    except SourceError as error:
        return DefinitionError([source_problem(error)])
    return DefinitionError(_findings(findings, doc, file=str(path)))


def load_application(path: Path, workflow: Workflow) -> dict[str, Any]:
    """A checked application from a JSON file; raises `DefinitionError` listing every problem."""
    try:
        doc = load_file(path)
    except SourceError as error:
        raise DefinitionError([source_problem(error)]) from None
    if problems := application_problems_at(doc, workflow, file=str(path)):
        raise DefinitionError(problems)
    return dict(doc)


def _sample_problems(doc: Located, *, file: str, root: Path, catalogue: Catalogue) -> list[Problem]:
    name = doc.get("workflow")
    source = root / WORKFLOWS_DIR / f"{name}.yaml"
    if not isinstance(name, str) or not source.is_file():
        return [
            problem_at(
                doc, ("workflow",), f"no workflow {name!r} in {root / WORKFLOWS_DIR}", file=file
            )
        ]
    try:
        workflow = load_workflow(source, catalogue)
    except DefinitionError:
        return []  # the workflow's own problems are reported with it
    return application_problems_at(doc, workflow, file=file)


# --- whole trees ---------------------------------------------------------------------------


def enclosing_root(paths: Sequence[Path], *, default: Path) -> Path:
    """The nearest directory above the first path that holds a `departments.yaml`."""
    for path in paths[:1]:
        for folder in (path.resolve(), *path.resolve().parents):
            if (folder / DEPARTMENTS_FILE).is_file():
                return folder
    return default


def _expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if (path / DEPARTMENTS_FILE).is_file():  # a definitions root: the catalogue and workflows
            files += [path / DEPARTMENTS_FILE, path / MATTERS_FILE]
            files += sorted((path / WORKFLOWS_DIR).rglob("*.y*ml"))
            files += sorted((path / SAMPLES_DIR).glob("*.json"))
        elif path.is_dir():
            files += sorted(path.rglob("*.y*ml"))
        else:
            files.append(path)
    return files


def validate_paths(paths: Sequence[Path], *, root: Path) -> list[Problem]:
    """Every problem of the given files and directories (and of the catalogue they rely on)."""
    catalogue, catalogue_problems = read_catalogue(root)
    problems: list[Problem] = []
    catalogue_used = False
    for path in _expand(paths):
        file = str(path)
        try:
            doc = load_file(path)
        except SourceError as error:
            problems.append(source_problem(error))
            continue
        if isinstance(doc, Located) and "departments" in doc and "steps" not in doc:
            problems += read_departments(path)[2]
        elif isinstance(doc, Located) and "matters" in doc and "steps" not in doc:
            problems += read_matters(path, departments=catalogue.departments)[1]
        elif isinstance(doc, Located) and "applicant" in doc and "steps" not in doc:
            problems += _sample_problems(doc, file=file, root=root, catalogue=catalogue)
        else:
            catalogue_used = True
            problems += read_workflow(doc, file=file, catalogue=catalogue)[1]
    if catalogue_used:
        problems = [p for p in catalogue_problems if p not in problems] + problems
    return list(dict.fromkeys(problems))
