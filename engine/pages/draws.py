"""The inspection draw on the pages (实地核查审查员抽取): on a case page each draw shows
"sealed" (its commitments and opening time, no identity) until the authorised role opens it
at the scheduled time, then "opened" (the examiners, their findings, the public
verification); the list of draws for supervisors and heads. The rules stay in
`engine.access` and the draw's own core; this module gathers what the pages show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine.access.permissions import Forbidden, Principal, allows, require
from engine.access.visibility import departments_of
from engine.api.deps import ID_PATTERN
from engine.api.routes.draws import DrawCursor, draws_page
from engine.definitions.model import DrawSpec, Workflow
from engine.draw.service import DrawService
from engine.errors import NotFound, ServiceError
from engine.pages.web import CheckedPage, CurrentPage, Page, PageRoute
from engine.views.cases import CaseView, WorkItemView
from engine.views.draws import DrawVerifyView, DrawView

router = APIRouter(include_in_schema=False, route_class=PageRoute)
CaseId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN)]
StepId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]


@dataclass
class DrawPanel:
    """One inspection's draw as the case page shows it to the session's user."""

    view: DrawView
    names: dict[str, str]  # examiner id → name, of the opened examiners only
    may_open: bool  # the user is the step's opener and something is sealed
    open_now: bool  # the scheduled opening time has come
    verified: DrawVerifyView | None  # once opened
    examiner: bool  # the user is an opened examiner yet to record findings (or decline)


def _service(page: Page) -> DrawService:
    if page.deps.draws is None:
        raise ServiceError("the inspection draw is not configured in this service")
    return page.deps.draws


def _may_open(user: Principal, spec: DrawSpec, department: str) -> bool:
    try:
        require(user, "draws.open", departments={department})
    except Forbidden:
        return False
    return any(p.role == spec.opener and p.department == department for p in user.posts)


def _examiner(user: Principal, shown: DrawView, department: str) -> bool:
    """Whether `user` is an examiner of the draw who may still record findings or decline:
    an examiner's account is named by their roster id (README: the sealed draw)."""
    return (
        user.name in shown.examiners
        and user.name not in shown.findings
        and allows(user, "draws.finding", department)
    )


def examining(page: Page, items: Sequence[WorkItemView]) -> set[tuple[str, str]]:
    """The (case, step) of the worklist's inspections where the session's user is a drawn
    examiner who may still record findings or decline: their row offers those forms."""
    if page.deps.draws is None:
        return set()
    found = set()
    for w in items:
        if w.task != "step" or w.status.value != "active":
            continue
        if page.deps.cases.workflows(w.workflow, w.version).step(w.step).draw is None:
            continue
        if _examiner(page.user, page.deps.draws.show(w.case, w.step), w.department):
            found.add((w.case, w.step))
    return found


def draw_panels(page: Page, view: CaseView, workflow: Workflow) -> list[DrawPanel]:
    """The draws of the inspection steps of `view` (the part of the case the user reads)."""
    inspections = [
        (s.id, s.department, spec, s.status.value == "active")
        for s in view.steps
        if (spec := workflow.step(s.id).draw) is not None and s.status.value != "pending"
    ]
    if not inspections or page.deps.draws is None:
        return []
    require(page.user, "draws.read", departments=departments_of(view, workflow), case=view.id)
    draws = page.deps.draws
    roster = draws.drawer.book.current().roster
    now = page.deps.cases.clock()
    panels = []
    for step_id, department, spec, active in inspections:
        shown = draws.show(view.id, step_id)
        sealed = shown.status == "sealed"
        opened = [e for r in shown.rounds for e in (r.drawn or [])]
        names = {e: (found.name if (found := roster.find(e)) else e) for e in opened}
        panels.append(
            DrawPanel(
                view=shown,
                names=names,
                may_open=sealed and _may_open(page.user, spec, department),
                open_now=shown.opens_at is not None and now >= shown.opens_at,
                verified=draws.verify(view.id, step_id) if shown.status == "opened" else None,
                examiner=active and _examiner(page.user, shown, department),
            )
        )
    return panels


@router.post("/cases/{case_id}/draws/{step}/open")
def open_draw(page: CheckedPage, case_id: CaseId, step: StepId) -> Response:
    """解密 the draw: the step's opener from the scheduled time (audited on the case); any
    other user is refused (403) and nothing changes."""
    view = page.deps.cases.show(case_id)
    department = next((s.department for s in view.steps if s.id == step), None)
    if department is None:
        raise NotFound(f"case {case_id!r} has no step {step!r}")
    require(page.user, "draws.open", departments={department}, case=case_id)
    _service(page).open(case_id, step, actor=page.user.name)
    return RedirectResponse(f"/cases/{case_id}#draw-{step}", status_code=303)


DRAWS_PAGE = 50  # draws a page of the list shows


@router.get("/draws")
def draws_list(page: CurrentPage, after: DrawCursor = None) -> HTMLResponse:
    """The draws, newest first, a page at a time (a head: their department's): sealed or
    opened, case, step, opening time; `after`: the cursor of the page before's last."""
    listed = draws_page(page.deps, page.user, DRAWS_PAGE, after)
    return page.render("draws.html", rows=listed.items, after=after, following=listed.next)
