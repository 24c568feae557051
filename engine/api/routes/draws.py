"""The sealed draw of an inspection's examiners (实地核查审查员抽取): draw, read (only the
commitments until opened), open, findings, decline, verify. The same service as the CLI."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from engine.access.permissions import Principal, reach, require
from engine.access.visibility import departments_of
from engine.api import paging
from engine.api.deps import ID_PATTERN, TEXT_PATTERN, CurrentUser, Deps, Services, guard
from engine.draw.service import DrawService
from engine.errors import ServiceError
from engine.views.draws import DrawListingView, DrawVerifyView, DrawView

router = APIRouter(prefix="/cases/{case_id}/draws/{step}", tags=["draws"])
listing = APIRouter(prefix="/draws", tags=["draws"])
Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=TEXT_PATTERN)]
CaseId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN)]
StepId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]


class DrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opens_at: AwareDatetime | None = Field(
        default=None,
        description="the scheduled inspection time, with its offset (default: the step's)",
    )


class FindingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text


class DeclineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    examiner: Annotated[str, Field(max_length=64)]
    reason: Text


def _draws(deps: Services, user: Principal, action: str, case_id: str) -> DrawService:
    """The draw service, once `user` may do `action` on the case's departments."""
    view = deps.cases.show(case_id)
    workflow = deps.cases.workflows(view.workflow, view.version)
    require(user, action, departments=departments_of(view, workflow), case=case_id)
    if deps.draws is None:
        raise ServiceError("the inspection draw is not configured in this service")
    return deps.draws


@router.get("", **guard("draws.read", 404))
def show(case_id: CaseId, step: StepId, user: CurrentUser, deps: Deps) -> DrawView:
    """The draw: "sealed" with its commitments only, or "opened" with the examiners."""
    return _draws(deps, user, "draws.read", case_id).show(case_id, step)


@router.post("", status_code=201, **guard("draws.run", 404, 409, 422))
def run(
    case_id: CaseId, step: StepId, body: DrawRequest, user: CurrentUser, deps: Deps
) -> DrawView:
    """Draw again after the engine's draw failed, sealed until `opens_at` (the engine draws
    by itself when the step becomes active)."""
    draws = _draws(deps, user, "draws.run", case_id)
    return draws.draw(case_id, step, actor=user.name, opens_at=body.opens_at)


@router.post("/open", **guard("draws.open", 404, 409))
def open_draw(case_id: CaseId, step: StepId, user: CurrentUser, deps: Deps) -> DrawView:
    """Open (解密) the draw: the authorised role, from the inspection time (audited)."""
    return _draws(deps, user, "draws.open", case_id).open(case_id, step, actor=user.name)


@router.post("/findings", **guard("draws.finding", 404, 409, 422))
def finding(
    case_id: CaseId, step: StepId, body: FindingRequest, user: CurrentUser, deps: Deps
) -> DrawView:
    """A drawn examiner's findings; the step completes when every examiner's are in."""
    draws = _draws(deps, user, "draws.finding", case_id)
    return draws.record_finding(case_id, step, actor=user.name, text=body.text)


@router.post("/decline", **guard("draws.decline", 404, 409, 422))
def decline(
    case_id: CaseId, step: StepId, body: DeclineRequest, user: CurrentUser, deps: Deps
) -> DrawView:
    """An examiner cannot go: the reason is logged and a replacement drawn, sealed."""
    draws = _draws(deps, user, "draws.decline", case_id)
    return draws.decline(case_id, step, actor=user.name, examiner=body.examiner, reason=body.reason)


@router.get("/verify", **guard("draws.read", 404))
def verify(case_id: CaseId, step: StepId, user: CurrentUser, deps: Deps) -> DrawVerifyView:
    """Recompute commitment and selection from the opened record and the log."""
    return _draws(deps, user, "draws.read", case_id).verify(case_id, step)


DRAW_POSITION = (paging.MOMENT, paging.NAME, paging.NAME)  # drawn at, case, step
DrawCursor = Annotated[str | None, paging.cursor_query(DRAW_POSITION)]


def after_draw(cursor: str | None) -> tuple[dt.datetime, str, str] | None:
    """The draw a cursor of the list of draws names (its pattern checked by the route)."""
    found = paging.after(cursor)
    if found is None:
        return None
    at, (case_id, step_id) = found[0], paging.parts(found[1])
    return at, case_id, step_id


def draws_page(
    deps: Services, user: Principal, limit: int, cursor: str | None
) -> paging.Page[DrawListingView]:
    """A page of the draws `user` may list (a head: their department's), newest first."""
    departments = reach(user, "draws.list")
    if deps.draws is None:
        raise ServiceError("the inspection draw is not configured in this service")
    rows = deps.draws.listing(departments, after=after_draw(cursor), limit=limit + 1)
    return paging.page(rows, limit, lambda d: paging.cursor(d.drawn_at, d.case, d.step))


@listing.get("", **guard("draws.list", 422))
def list_draws(
    user: CurrentUser, deps: Deps, cursor: DrawCursor = None, limit: paging.Limit = 50
) -> paging.Page[DrawListingView]:
    """The draws, newest first, a page at a time (a head: their department's): sealed or
    opened, its case, step and opening time, never who was drawn."""
    return draws_page(deps, user, limit, cursor)
