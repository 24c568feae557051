"""The definitions workbench (事项编排) of a department's admin: a workflow file uploaded or
pasted is checked (every problem at its line and column), planned, drawn, compared with the
registered version, dry-run on the real calendar for an application, and registered. Each part
is the service the API and the CLI call; this module only gathers what the page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse

from engine.access.permissions import Forbidden, reach, require
from engine.api.routes.definitions import MAX_SOURCE_BYTES, upload_text
from engine.definitions import Workflow, load_workflow_text, make_plan
from engine.definitions.application import application_problems
from engine.definitions.diagram import diagram
from engine.definitions.dryrun import DryRun, dry_run
from engine.definitions.loader import source_problem
from engine.definitions.problems import DefinitionError, Problem
from engine.errors import InputError, OnethingError, SourceError
from engine.pages import i18n
from engine.pages.web import CheckedPage, CurrentPage, Page, PageRoute
from engine.registry import diff_source, list_workflows, owned_by, register, show
from engine.views.definitions import PlanView, WorkflowListing
from engine.yamlsource import load_file, load_text

router = APIRouter(include_in_schema=False, route_class=PageRoute)
PASTED = "workbench.yaml"  # the name a pasted definition's problems are reported under
INTENTS = ("check", "dry-run", "register")
DEFAULT_TIME = dt.time(9, 0)


@dataclass
class Bench:
    """What the workbench shows for one source text."""

    source: str
    name: str = PASTED
    problems: list[Problem] = field(default_factory=list)
    workflow: Workflow | None = None
    plan: PlanView | None = None
    graph: str | None = None
    diff: str | None = None
    dates: DryRun | None = None
    application_problems: list[str] = field(default_factory=list)
    error: str | None = None
    done: str | None = None

    def marks(self) -> dict[int, list[Problem]]:
        """The problems of this source by line (shown under the line they are on)."""
        found: dict[int, list[Problem]] = {}
        for problem in self.problems:
            if problem.file == self.name:
                found.setdefault(problem.line, []).append(problem)
        return found


@dataclass
class DryRunInput:
    """The application and the acceptance moment a dry run asks for."""

    sample: str = ""
    application: str = ""
    day: str = ""
    time: str = DEFAULT_TIME.strftime("%H:%M")


def _samples(page: Page) -> dict[str, Path]:
    """The shipped sample applications (definitions/samples/), by name."""
    return {p.stem: p for p in sorted((page.deps.definitions / "samples").glob("*.json"))}


def _sample_workflows(samples: dict[str, Path]) -> dict[str, str]:
    """Each sample's workflow, to offer only the samples of the workflow at hand."""
    found = {}
    for name, path in samples.items():
        try:
            found[name] = str(load_file(path).get("workflow", ""))
        except (SourceError, AttributeError):
            continue
    return found


def _listings(page: Page) -> list[WorkflowListing]:
    """The registered workflows the user answers for (an admin: the department's own)."""
    everything = list_workflows(page.deps.cases.engine)
    departments = reach(page.user, "definitions.check")
    if departments is None:
        return everything
    own = {w for d in departments for w in owned_by(page.deps.cases.engine, d)}
    return [w for w in everything if w.workflow_id in own]


def _render(page: Page, bench: Bench, given: DryRunInput, *, status: int = 200) -> HTMLResponse:
    samples = _samples(page)
    of = _sample_workflows(samples)
    wanted = bench.workflow.id if bench.workflow else None
    shown = [name for name in samples if wanted is None or of.get(name) == wanted]
    if not given.day:
        given.day = page.deps.cases.clock().date().isoformat()
    template = "workbench_body.html" if page.partial else "workbench.html"
    return page.render(
        template,
        status=200 if page.partial else status,  # htmx swaps a 200 only
        bench=bench,
        marks=bench.marks(),
        lines=bench.source.splitlines(),
        given=given,
        samples=shown,
        listings=_listings(page),
        titles={s.id: s.title for s in bench.workflow.steps} if bench.workflow else {},
    )


@router.get("/workbench")
def workbench(
    page: CurrentPage, workflow: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    """The workbench, empty or with a registered workflow's current source to start from."""
    require(page.user, "definitions.check")
    source = show(page.deps.cases.engine, workflow).source if workflow else ""
    bench = Bench(source, name=f"{workflow}.yaml" if workflow else PASTED)
    return _render(page, bench, DryRunInput())


@router.post("/workbench")
async def work(
    page: CheckedPage,
    intent: Annotated[str, Form(max_length=20)] = "check",
    source: Annotated[str, Form(max_length=MAX_SOURCE_BYTES)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
    sample: Annotated[str, Form(max_length=100)] = "",
    application: Annotated[str, Form(max_length=MAX_SOURCE_BYTES)] = "",
    day: Annotated[str, Form(max_length=20)] = "",
    time: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse:
    """Check the source (an uploaded file replaces the pasted text), then dry-run or register
    it as asked; a refusal is shown on the page and changes nothing."""
    require(page.user, "definitions.check")
    given = DryRunInput(sample, application, day, time or DryRunInput.time)
    bench = Bench(source.replace("\r\n", "\n"))
    try:
        if intent not in INTENTS:
            raise InputError(f"no such request on this page: {intent!r}")
        if upload is not None and upload.filename:
            bench.source, bench.name = await upload_text(upload)
        _examine(page, bench)
        if bench.workflow is not None and intent == "dry-run":
            _dry_run(page, bench, given)
        elif bench.workflow is not None and intent == "register":
            _register(page, bench)
    except OnethingError as error:
        bench.error = str(error)
    failed = bool(bench.problems or bench.error or bench.application_problems)
    return _render(page, bench, given, status=422 if failed else 200)


def _examine(page: Page, bench: Bench) -> None:
    """Validate; for a valid definition of the user's department: plan, graph and diff."""
    catalogue = page.deps.catalogue()
    try:
        workflow = load_workflow_text(bench.source, file=bench.name, catalogue=catalogue)
    except DefinitionError as error:
        bench.problems = list(error.problems)
        return
    require(page.user, "definitions.check", departments={workflow.owner})
    bench.workflow = workflow
    bench.plan = PlanView.of(make_plan(workflow, catalogue.matters))
    bench.graph = diagram(workflow, make_plan(workflow, {}), format="svg")
    bench.diff = diff_source(page.deps.cases.engine, workflow.id, bench.source, file=bench.name)


def _application(page: Page, bench: Bench, given: DryRunInput) -> dict[str, Any] | None:
    """The pasted application, else the chosen sample; its problems go on the bench."""
    assert bench.workflow is not None
    try:
        if given.application.strip():
            doc = load_text(given.application, file="application.json")
        else:
            path = _samples(page).get(given.sample)
            if path is None:
                raise InputError(i18n.t("wb_no_application", page.lang))
            doc = load_file(path)
    except SourceError as error:
        bench.application_problems = [str(source_problem(error))]
        return None
    findings = application_problems(bench.workflow, doc)
    bench.application_problems = [
        f"{'.'.join(str(p) for p in path) or 'application'}: {message}"
        for path, message in findings
    ]
    return None if findings else dict(doc)


def _moment(given: DryRunInput, zone: dt.tzinfo) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(given.day)
        at = dt.time.fromisoformat(given.time)
    except ValueError:
        raise InputError(f"not a date and a time: {given.day!r} {given.time!r}") from None
    return dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)


def _dry_run(page: Page, bench: Bench, given: DryRunInput) -> None:
    """Every step's due date for the application accepted at the given moment."""
    assert bench.workflow is not None
    doc = _application(page, bench, given)
    if doc is None:
        return
    calendar = page.deps.calendars.get(bench.workflow.calendar)
    accepted = _moment(given, calendar.tz)
    bench.dates = dry_run(bench.workflow, calendar, doc.get("fields", {}), accepted)


def _register(page: Page, bench: Bench) -> None:
    """Register the checked definition: only an admin of the workflow's owner department."""
    assert bench.workflow is not None
    try:
        require(page.user, "definitions.register", departments={bench.workflow.owner})
    except Forbidden as error:
        bench.error = str(error)
        return
    deps = page.deps
    done = register(
        deps.cases.engine,
        bench.source,
        file=bench.name,
        catalogue=deps.catalogue(),
        now=deps.cases.clock(),
    )
    entry = done.version
    key = "wb_registered" if done.created else "wb_unchanged"
    bench.done = i18n.t(key, page.lang).format(id=entry.workflow_id, version=entry.version)
    bench.diff = diff_source(deps.cases.engine, entry.workflow_id, bench.source, file=bench.name)
