"""A department's worklist (待办), escalations (监察: list, acknowledge, order), the negative
register (否定事项报备: list, confirm, overturn) and the public listing (双公示)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from engine.access.permissions import Forbidden, Principal, reach, require
from engine.api import paging
from engine.api.deps import ID_PATTERN, TEXT_PATTERN, CurrentUser, Deps, guard
from engine.cases.corrections import INTAKE
from engine.errors import InputError, NotFound
from engine.escalation.publications import publications
from engine.views.cases import CaseView, NegativeMatterView, WorkItemView
from engine.views.supervision import PUBLICATION_FIELDS, EscalationView, PublicationView

router = APIRouter(tags=["supervision"])
Department = Annotated[str | None, Query(max_length=64)]
NegativeId = Annotated[str, Path(max_length=48, pattern=ID_PATTERN)]
EscalationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=4000, pattern=TEXT_PATTERN)]


class Order(BaseModel):
    """督办: finish by this date (its close of business) or moment."""

    model_config = ConfigDict(extra="forbid")

    due: dt.date | dt.datetime


def _within(user: Principal, action: str, asked: str | None) -> frozenset[str] | None:
    """The departments a read is limited to: the asked one (an officer only one of their
    own), else all of the user's (None: a reader of everything who asked for none)."""
    mine = reach(user, action)
    if mine is None:
        return frozenset({asked}) if asked else None
    require(user, action, departments={asked} if asked else None)
    return frozenset({asked}) if asked else mine


WORK_POSITIONS = ((paging.NAME, paging.NAME), (paging.NAME, INTAKE, paging.NAME))
# a step (case~step) or a window's verification task (case~intake~material)
WorkCursor = Annotated[str | None, paging.cursor_query(*WORK_POSITIONS)]


def _work_position(item: WorkItemView) -> str:
    if item.task == "verify-material":
        return paging.cursor(item.case, INTAKE, str(item.material))
    return paging.cursor(item.case, item.step)


def _work_page(
    deps: Deps,
    limit: int,
    cursor: str | None,
    departments: list[str] | None = None,
    officer: str | None = None,
    verifying: list[str] | None = None,
) -> paging.Page[WorkItemView]:
    where = paging.parts(cursor) if cursor else []
    rows = deps.cases.worklist(
        departments,
        officer=officer,
        verifying=verifying or (),
        limit=limit + 1,
        after=(where[0], where[1]) if len(where) == 2 else None,
        after_verifying=(where[0], where[2]) if len(where) == 3 else None,
    )
    return paging.page(rows, limit, _work_position)


UNKNOWN_POSITION = "a cursor naming a step, material or case there is not"


@router.get(
    "/worklist",
    **guard(
        "worklist.read",
        422,
        refuses={400: f"no department named by a reader of all of them; {UNKNOWN_POSITION}"},
    ),
)
def worklist(
    user: CurrentUser,
    deps: Deps,
    department: Department = None,
    cursor: WorkCursor = None,
    limit: paging.Limit = 50,
) -> paging.Page[WorkItemView]:
    """The open steps of a department (default: the user's departments), most urgent first,
    then the window's verification tasks, a page at a time."""
    where = _within(user, "worklist.read", department)
    if where is None:
        raise InputError("name a department (?department=…)")
    return _work_page(deps, limit, cursor, departments=sorted(where), verifying=sorted(where))


@router.get("/worklist/mine", **guard("worklist.read", 422, refuses={400: UNKNOWN_POSITION}))
def my_worklist(
    user: CurrentUser, deps: Deps, cursor: WorkCursor = None, limit: paging.Limit = 50
) -> paging.Page[WorkItemView]:
    """The calling officer's open steps, most urgent first, a page at a time: transferred to
    them, or signed by them and waiting on the other signers; then, for a window clerk, the
    verification tasks (待核验) of the departments whose window they staff."""
    return _work_page(deps, limit, cursor, officer=user.name, verifying=_verifies(user))


def _verifies(user: Principal) -> list[str]:
    """The departments whose verification tasks are on `user`'s own list: those where it may
    verify a material (`cases.verify-material`, the window's clerks). A task belongs to the
    department's window, not to one clerk, so each of its clerks has it until one does it."""
    try:
        where = reach(user, "cases.verify-material")
    except Forbidden:
        return []
    return sorted(where or ())


ESCALATION_POSITION = (paging.MOMENT, paging.NUMBER)  # fired at, escalation id


@router.get("/escalations", **guard("escalations.read", 422))
def escalations(
    user: CurrentUser,
    deps: Deps,
    case: Annotated[str | None, Query(max_length=40)] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    department: Department = None,
    cursor: Annotated[str | None, paging.cursor_query(ESCALATION_POSITION)] = None,
    limit: paging.Limit = 50,
) -> paging.Page[EscalationView]:
    """Levels fired, newest first, a page at a time; `open`: not yet acknowledged."""
    found = paging.after(cursor)
    after = (found[0], int(found[1])) if found else None
    rows = deps.supervision.escalations(
        case_id=case,
        open_only=open_only,
        departments=_within(user, "escalations.read", department),
        after=after,
        limit=limit + 1,
    )
    return paging.page(rows, limit, lambda e: paging.cursor(e.fired_at, e.id))


@router.post(
    "/escalations/{escalation_id}/acknowledge", **guard("escalations.acknowledge", 404, 409)
)
def acknowledge(escalation_id: EscalationId, user: CurrentUser, deps: Deps) -> EscalationView:
    """签收: the level has been seen (recorded on the case)."""
    return deps.supervision.acknowledge(escalation_id, actor=user.name)


@router.post("/escalations/{escalation_id}/order", **guard("escalations.order", 400, 404, 409, 422))
def order(
    escalation_id: EscalationId, body: Order, user: CurrentUser, deps: Deps
) -> EscalationView:
    """督办: order the step finished by a date; accountability follows if it is missed."""
    return deps.supervision.order(escalation_id, actor=user.name, due=body.due)


NEGATIVE_POSITION = (paging.MOMENT, paging.NAME)  # registered at, negative matter id


@router.get("/negatives", **guard("negatives.read", 400, 422))
def negatives(
    user: CurrentUser,
    deps: Deps,
    status: Literal["pending", "confirmed", "overturned"] | None = None,
    department: Department = None,
    cursor: Annotated[str | None, paging.cursor_query(NEGATIVE_POSITION)] = None,
    limit: paging.Limit = 50,
) -> paging.Page[NegativeMatterView]:
    """The register of negative decisions, with their leaders' decisions, oldest first, a
    page at a time."""
    rows = deps.cases.negatives(
        status=status,
        departments=_within(user, "negatives.read", department),
        after=paging.after(cursor),
        limit=limit + 1,
    )
    return paging.page(rows, limit, lambda n: paging.cursor(n.registered_at, n.id))


def _decide(deps: Deps, user: Principal, negative_id: str, action: str, reason: str) -> CaseView:
    found = [n for n in deps.cases.negatives() if n.id == negative_id]
    if not found:
        raise NotFound(f"no negative matter {negative_id!r}")
    case_id = found[0].case_id
    require(user, f"cases.{action}", departments={found[0].department}, case=case_id)
    args = {"negative": negative_id, "reason": reason}
    return deps.cases.act(case_id, action, actor=user.name, args=args)


@router.post("/negatives/{negative_id}/confirm", **guard("cases.confirm-negative", 404, 409, 422))
def confirm(
    negative_id: Annotated[str, Path(max_length=48, pattern=ID_PATTERN)],
    body: Decision,
    user: CurrentUser,
    deps: Deps,
) -> CaseView:
    """The leader confirms the refusal: it goes out to the applicant."""
    return _decide(deps, user, negative_id, "confirm-negative", body.reason)


@router.post("/negatives/{negative_id}/overturn", **guard("cases.overturn-negative", 404, 409, 422))
def overturn(
    negative_id: Annotated[str, Path(max_length=48, pattern=ID_PATTERN)],
    body: Decision,
    user: CurrentUser,
    deps: Deps,
) -> CaseView:
    """The leader overturns the refusal: the case goes on."""
    return _decide(deps, user, negative_id, "overturn-negative", body.reason)


LISTING = guard("publications.read", 422, refuses={400: "a cursor naming a case there is not"})
LISTING["responses"][200] = {
    "description": "A page of the listing (JSON), or the whole listing from the cursor on (CSV)",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}
PUBLICATION_POSITION = (paging.NAME, paging.NUMBER)  # case, how many of its decisions listed


@router.get("/publications", response_model=paging.Page[PublicationView], **LISTING)
def listing(
    user: CurrentUser,
    deps: Deps,
    format: Literal["json", "csv"] = "json",
    cursor: Annotated[str | None, paging.cursor_query(PUBLICATION_POSITION)] = None,
    limit: paging.Limit = 50,
) -> Any:
    """The public listing of licensing decisions (双公示), by case in the order submitted: as
    JSON a page at a time, or as CSV (the whole listing, from the cursor on)."""
    after = None
    if cursor:
        case_id, given = paging.parts(cursor)
        after = (case_id, int(given))
    if format == "csv":
        rows = publications(deps.cases, deps.supervision.catalogue, after=after)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=PUBLICATION_FIELDS)
        writer.writeheader()
        writer.writerows(row.model_dump(mode="json") for row in rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    rows = publications(deps.cases, deps.supervision.catalogue, after=after, limit=limit + 1)

    def position(last: PublicationView) -> str:
        """The last case's decisions listed so far (a page may go on from the one before)."""
        given = sum(1 for row in rows[:limit] if row.case == last.case)
        if after is not None and after[0] == last.case:
            given += after[1]
        return paging.cursor(last.case, given)

    return paging.page(rows, limit, position)
