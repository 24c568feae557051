"""Cases: submit, list, show, timeline, and every action of the case engine, one route each.
The actor is the authenticated user; `Idempotency-Key` makes a retry answer as the first
time; `If-Match` with the case's `ETag` refuses an action on a stale view (412)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from engine.access.permissions import CASE_ACTIONS, Principal, reach, require
from engine.access.visibility import departments_of, visible
from engine.api import paging
from engine.api.deps import ID_PATTERN, TEXT_PATTERN, CurrentUser, Deps, guard
from engine.cases.state import CaseStatus
from engine.errors import InputError
from engine.registry import owned_by
from engine.views.cases import CaseSummary, CaseView, TimelineView
from flows.urls import linked

router = APIRouter(prefix="/cases", tags=["cases"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        description="A retry with the same key and command answers as the first time",
    ),
]
IfMatch = Annotated[
    str,
    Header(
        alias="If-Match",
        pattern=r'^(\*|(W/)?"[0-9]{1,12}")$',
        description='The case\'s ETag as last read (`"3"`); `*` (the default): any revision',
    ),
]
Text = Annotated[str, Field(max_length=4000, pattern=TEXT_PATTERN)]
CaseId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN)]


class Application(BaseModel):
    """An application as a portal sends it (a sample in definitions/samples/ as it is)."""

    model_config = ConfigDict(extra="forbid")

    workflow: Annotated[str, Field(max_length=64)] | None = Field(
        None,
        description="The workflow id; with the `workflow` query too, the two must agree (else 422)",
    )
    applicant: dict[str, Any] = Field(default_factory=dict)
    fields: dict[str, Any] = Field(default_factory=dict)
    materials: dict[str, Any] = Field(default_factory=dict)


class ActionArguments(BaseModel):
    """An action's arguments (which ones an action reads: see its description)."""

    model_config = ConfigDict(extra="forbid")

    step: Annotated[str, Field(max_length=64)] | None = None
    reason: Text | None = None
    comment: Text | None = None
    days: Annotated[int, Field(ge=1, le=365)] | None = None
    items: list[Annotated[str, Field(max_length=200)]] | None = None
    negative: Annotated[str, Field(max_length=48)] | None = None
    to: Annotated[str, Field(max_length=64)] | None = None
    materials: dict[str, Any] | None = None
    legal_basis: Text | None = None
    facts: Text | None = None
    complete: bool | None = None
    kind: Literal["refuse-acceptance", "refuse-licence", "cannot-handle"] | None = None


def etag(revision: int) -> str:
    return f'"{revision}"'


def revision_of(if_match: str) -> int | None:
    """The revision an `If-Match` (its pattern checked) names; None: any."""
    if if_match == "*":
        return None
    return int(if_match.removeprefix("W/").strip('"'))


def _shown(deps: Deps, user: Principal, view: CaseView, response: Response) -> CaseView:
    workflow = deps.cases.workflows(view.workflow, view.version)
    shown = linked(deps.cases.engine, visible(view, workflow, user))
    response.headers["ETag"] = etag(deps.cases.revision(view.id))
    return shown


@router.post(
    "",
    status_code=201,
    **guard(
        "cases.submit",
        404,
        409,
        422,
        refuses={
            400: "no workflow named, or an application its fields, materials or applicant refuse"
        },
    ),
)
def submit(
    application: Application,
    user: CurrentUser,
    deps: Deps,
    response: Response,
    workflow: Annotated[
        str | None, Query(max_length=64, description="The workflow id (else the body's)")
    ] = None,
    key: IdempotencyKey = None,
) -> CaseView:
    """Take in an application (收件); the new case with its clocks."""
    workflow = workflow or application.workflow
    if not workflow:
        raise InputError("which workflow: give `workflow` in the query or in the body")
    owner = deps.cases.workflows(workflow, None).owner
    require(user, "cases.submit", departments={owner})
    view = deps.cases.submit(workflow, application.model_dump(exclude_none=True), key=key)
    response.headers["ETag"] = etag(deps.cases.revision(view.id))
    return view


CASE_POSITION = (paging.MOMENT, paging.NAME)  # submitted at, case id


@router.get("", **guard("cases.read", 422))
def list_cases(
    user: CurrentUser,
    deps: Deps,
    status: CaseStatus | None = None,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    overdue: Annotated[bool, Query(description="only cases with an open step past due")] = False,
    light: Annotated[
        Literal["green", "yellow", "red"] | None,
        Query(description="the traffic light of the case's most urgent open step"),
    ] = None,
    text: Annotated[
        str | None,
        Query(max_length=100, description="in the case id, applicant's name or workflow title"),
    ] = None,
    cursor: Annotated[str | None, paging.cursor_query(CASE_POSITION)] = None,
    limit: paging.Limit = 50,
) -> paging.Page[CaseSummary]:
    """Cases, oldest first, a page at a time (the same filters on every page); a
    department's officer sees the cases its departments take part in."""
    departments = reach(user, "cases.read")
    involving = None
    if departments is not None:
        owned = [w for d in sorted(departments) for w in owned_by(deps.cases.engine, d)]
        involving = (sorted(departments), owned)
    rows = deps.cases.list_cases(
        status=status.value if status else None,
        workflow=workflow,
        department=department,
        overdue=overdue,
        light=light,
        text=text or None,
        involving=involving,
        after=paging.after(cursor),
        limit=limit + 1,
    )
    return paging.page(rows, limit, lambda case: paging.cursor(case.submitted_at, case.id))


@router.get("/{case_id}", **guard("cases.read", 404))
def show(case_id: CaseId, user: CurrentUser, deps: Deps, response: Response) -> CaseView:
    """A case: its steps, clocks (due time, remaining working time), materials, corrections,
    negative matters; `ETag` its revision."""
    return _shown(deps, user, deps.cases.show(case_id), response)


@router.get("/{case_id}/timeline", **guard("cases.read", 404))
def timeline(case_id: CaseId, user: CurrentUser, deps: Deps, response: Response) -> TimelineView:
    """Who did what when (the hash-chained log), with the case as it is now."""
    case = _shown(deps, user, deps.cases.show(case_id), response)
    return TimelineView(events=deps.cases.timeline(case_id), case=case)


ACTION_REFUSALS = {
    400: "arguments the action or the case's workflow refuse (a step it lacks, a missing reason)",
    412: "`If-Match` names a revision the case has moved past",
}


def _action_route(action: str) -> None:
    rule = f"cases.{action}"

    def run(
        case_id: CaseId,
        user: CurrentUser,
        deps: Deps,
        response: Response,
        arguments: Annotated[ActionArguments, Body()] = ActionArguments(),  # noqa: B008
        key: IdempotencyKey = None,
        if_match: IfMatch = "*",
    ) -> CaseView:
        before = deps.cases.show(case_id)
        workflow = deps.cases.workflows(before.workflow, before.version)
        require(user, rule, departments=departments_of(before, workflow), case=case_id)
        view = deps.cases.act(
            case_id,
            action,
            actor=user.name,
            args=arguments.model_dump(exclude_none=True),
            key=key,
            revision=revision_of(if_match),
        )
        return _shown(deps, user, view, response)

    run.__name__ = action.replace("-", "_")
    run.__doc__ = f"`{action}`: the case engine's action, as the authenticated user."
    router.add_api_route(
        f"/{{case_id}}/actions/{action}",
        run,
        methods=["POST"],
        summary=action,
        **guard(rule, 404, 409, 422, refuses=ACTION_REFUSALS),
    )


for _action in CASE_ACTIONS:
    _action_route(_action)
