"""A department's worklist (待办), escalations (监察: list, acknowledge, order), the negative
register (否定事项报备: list, confirm, overturn) and the public listing (双公示)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from engine.access.permissions import Principal, reach, require
from engine.api.deps import ID_PATTERN, TEXT_PATTERN, CurrentUser, Deps, guard
from engine.errors import InputError, NotFound
from engine.escalation.publications import publications
from engine.views.cases import CaseView, NegativeMatterView, WorkItemView
from engine.views.supervision import PUBLICATION_FIELDS, EscalationView

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


@router.get(
    "/worklist",
    **guard("worklist.read", 422, refuses={400: "no department named by a reader of all of them"}),
)
def worklist(user: CurrentUser, deps: Deps, department: Department = None) -> list[WorkItemView]:
    """The open steps of a department (default: the user's departments), most urgent first."""
    where = _within(user, "worklist.read", department)
    if where is None:
        raise InputError("name a department (?department=…)")
    return deps.cases.worklist(sorted(where))


@router.get("/worklist/mine", **guard("worklist.read"))
def my_worklist(user: CurrentUser, deps: Deps) -> list[WorkItemView]:
    """The calling officer's open steps, most urgent first: transferred to them, or signed by
    them and waiting on the other signers."""
    return deps.cases.worklist(officer=user.name)


@router.get("/escalations", **guard("escalations.read", 422))
def escalations(
    user: CurrentUser,
    deps: Deps,
    case: Annotated[str | None, Query(max_length=40)] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    department: Department = None,
) -> list[EscalationView]:
    """Levels fired, newest first; `open`: not yet acknowledged."""
    where = _within(user, "escalations.read", department)
    rows = deps.supervision.escalations(case_id=case, open_only=open_only)
    return [row for row in rows if where is None or row.department in where]


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


@router.get("/negatives", **guard("negatives.read", 400, 422))
def negatives(
    user: CurrentUser,
    deps: Deps,
    status: Literal["pending", "confirmed", "overturned"] | None = None,
    department: Department = None,
) -> list[NegativeMatterView]:
    """The register of negative decisions, with their leaders' decisions."""
    where = _within(user, "negatives.read", department)
    rows = deps.cases.negatives(status=status)
    return [row for row in rows if where is None or row.department in where]


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


LISTING = guard("publications.read", 422)
LISTING["responses"][200] = {
    "description": "The listing",
    "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
}


@router.get("/publications", **LISTING)
def listing(user: CurrentUser, deps: Deps, format: Literal["json", "csv"] = "json") -> Any:
    """The public listing of licensing decisions (双公示), as JSON or CSV."""
    rows = publications(deps.cases, deps.supervision.catalogue)
    if format == "json":
        return rows
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PUBLICATION_FIELDS)
    writer.writeheader()
    writer.writerows(row.model_dump(mode="json") for row in rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
