"""Workflow definitions (事项编排): check an uploaded file, register, list, show, plan,
diagram (SVG), diff and retire; a department's admin registers its own department's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Response, UploadFile
from pydantic import BaseModel

from engine.access.permissions import require
from engine.api.deps import ID_PATTERN, CurrentUser, Deps, guard
from engine.api.problems import SourceProblem
from engine.definitions import load_workflow_text, make_plan
from engine.definitions.diagram import diagram
from engine.definitions.problems import DefinitionError, Problem
from engine.errors import InputError
from engine.registry import diff, list_workflows, register, retire, show
from engine.registry.service import public
from engine.views.definitions import (
    PlanView,
    WorkflowListing,
    WorkflowSourceView,
    WorkflowVersionPublic,
)

router = APIRouter(prefix="/definitions", tags=["definitions"])
MAX_SOURCE_BYTES = 512 * 1024
WorkflowId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
Version = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


class CheckReport(BaseModel):
    """A definition checked: every problem at its file, line and column (none: valid)."""

    valid: bool
    workflow: str | None
    problems: list[SourceProblem]


class RegisteredVersion(BaseModel):
    version: WorkflowVersionPublic
    created: bool  # False: the same content was already registered


async def upload_text(file: UploadFile) -> tuple[str, str]:
    """An uploaded workflow file as text and its name (at most `MAX_SOURCE_BYTES`); bytes
    that are not UTF-8 are the definition's first problem, at their line and column."""
    data = await file.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:
        raise InputError(f"a workflow file is at most {MAX_SOURCE_BYTES} bytes")
    name = (file.filename or "upload.yaml")[:200]
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - data.rfind(b"\n", 0, exc.start)
        raise DefinitionError([Problem(name, line, col, "not UTF-8 text")]) from None


WorkflowFile = Annotated[
    UploadFile, File(description="A workflow definition: YAML text in UTF-8 (else: a problem)")
]
ALL_RETIRED = {400: "no version named, and every version of the workflow is retired"}
TOO_LARGE = f"a file larger than {MAX_SOURCE_BYTES} bytes"


@router.post(
    "/check",
    **guard("definitions.check", 422, refuses={400: TOO_LARGE}),
)
async def check(file: WorkflowFile, user: CurrentUser, deps: Deps) -> CheckReport:
    """Validate an uploaded workflow file without registering it."""
    try:
        text, name = await upload_text(file)
        workflow = load_workflow_text(text, file=name, catalogue=deps.catalogue())
    except DefinitionError as error:
        problems = [SourceProblem(**vars(p)) for p in error.problems]
        return CheckReport(valid=False, workflow=None, problems=problems)
    return CheckReport(valid=True, workflow=workflow.id, problems=[])


@router.post(
    "",
    status_code=201,
    **guard(
        "definitions.register",
        409,
        refuses={400: TOO_LARGE, 422: "a file that is not a valid workflow definition"},
    ),
)
async def register_file(
    file: WorkflowFile, user: CurrentUser, deps: Deps, response: Response
) -> RegisteredVersion:
    """Validate and register an uploaded workflow file (its owner department's admin);
    the same content again changes nothing (200)."""
    text, name = await upload_text(file)
    catalogue = deps.catalogue()
    workflow = load_workflow_text(text, file=name, catalogue=catalogue)
    require(user, "definitions.register", departments={workflow.owner})
    done = register(deps.cases.engine, text, file=name, catalogue=catalogue, now=deps.cases.clock())
    if not done.created:
        response.status_code = 200
    return RegisteredVersion(version=done.version, created=done.created)


@router.get("", **guard("definitions.read"))
def list_definitions(user: CurrentUser, deps: Deps) -> list[WorkflowListing]:
    """Registered workflows, their versions and the one new cases use."""
    return list_workflows(deps.cases.engine)


@router.get("/{workflow_id}", **guard("definitions.read", 404, 422))
def show_definition(
    workflow_id: WorkflowId, user: CurrentUser, deps: Deps, version: Version = None
) -> WorkflowSourceView:
    """A registered version (default: the newest) with its source text."""
    row = show(deps.cases.engine, workflow_id, version=version)
    return WorkflowSourceView(**public(row).model_dump(), source=row.source)


@router.get("/{workflow_id}/plan", **guard("definitions.read", 404, 422, refuses=ALL_RETIRED))
def plan(
    workflow_id: WorkflowId, user: CurrentUser, deps: Deps, version: Version = None
) -> PlanView:
    """Working days in series vs in parallel, the critical path, and each path."""
    found = deps.cases.workflows(workflow_id, version)
    return PlanView.of(make_plan(found, deps.catalogue().matters))


@router.get(
    "/{workflow_id}/diagram.svg",
    response_class=Response,
    **guard("definitions.read", 404, 422, refuses=ALL_RETIRED),
)
def draw(
    workflow_id: WorkflowId, user: CurrentUser, deps: Deps, version: Version = None
) -> Response:
    """The step graph as SVG, the critical path marked."""
    found = deps.cases.workflows(workflow_id, version)
    svg = diagram(found, make_plan(found, {}), format="svg")
    return Response(svg, media_type="image/svg+xml")


@router.get(
    "/{workflow_id}/diff",
    response_class=Response,
    **guard("definitions.read", 404, 422),
)
def compare(
    workflow_id: WorkflowId,
    user: CurrentUser,
    deps: Deps,
    old: Annotated[int, Query(ge=1, le=2**31 - 1)],
    new: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Response:
    """A unified diff of two registered versions."""
    return Response(diff(deps.cases.engine, workflow_id, old, new), media_type="text/plain")


@router.post("/{workflow_id}/retire", **guard("definitions.retire", 404, 422))
def retire_definition(
    workflow_id: WorkflowId, user: CurrentUser, deps: Deps, version: Version = None
) -> list[int]:
    """Stop new cases on a workflow (or one version); running cases keep theirs."""
    owner = public(show(deps.cases.engine, workflow_id, version=version)).owner
    require(user, "definitions.retire", departments={owner})
    return retire(deps.cases.engine, workflow_id, version=version, now=deps.cases.clock())
