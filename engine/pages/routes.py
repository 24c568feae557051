"""The pages: login and logout, the overview (运行总览), a case (办件详情), a department's
worklist (待办), the negative register (否定事项报备) and the escalations board (电子监察).
Each route resolves the session's user, asks the permission table, calls the service the API
calls and renders its typed view; one route answers a full page or, to htmx, its fragment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine.access.permissions import Forbidden, Scope, allows, reach, require, scope_of
from engine.access.visibility import departments_of, visible
from engine.api.deps import Deps
from engine.cases.overview import overview as overview_of
from engine.cases.state import CaseStatus
from engine.errors import OnethingError
from engine.pages import i18n
from engine.pages.draws import draw_panels, examining
from engine.pages.gantt import gantt_svg
from engine.pages.sessions import COOKIE
from engine.pages.web import (
    CheckedPage,
    CurrentPage,
    Page,
    PageRoute,
    lang,
    refusal_status,
    remember,
    session_cookie,
    sessions,
    templates,
)
from engine.registry import list_workflows
from engine.views.documents import documents_of
from flows.urls import linked

router = APIRouter(include_in_schema=False, route_class=PageRoute)
Name = Annotated[str | None, Query(max_length=64)]
FORM_ACTIONS = (
    "approve",
    "reject",
    "return-for-correction",
    "suspend",
    "resume",
    "extend",
    "transfer",
)
# a material to be verified (its source did not answer): verified by hand, or asked of the
# applicant in the one notice
VERIFY_ACTIONS = ("verify-material", "return-for-correction")
WORKLIST_PAGE = 50  # steps on a page of the worklist


@router.get("/login")
def login_form(request: Request, failed: bool = False) -> HTMLResponse:
    session = sessions(request).start()
    chosen = lang(request)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"csrf": session.csrf, "lang": chosen, "user": None, "failed": failed},
        status_code=401 if failed else 200,
    )
    session_cookie(request, response, session.id)
    remember(request, response, chosen)
    return response


@router.post("/login")
def login(
    request: Request,
    deps: Deps,
    token: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    """The user's API token opens a new session (a new id: the login form's is dropped)."""
    pending = sessions(request).get(request.cookies.get(COOKIE))
    if pending is None or not pending.csrf_ok(csrf):
        return RedirectResponse("/login", status_code=303)
    sessions(request).end(pending.id)
    client = request.client.host if request.client else "?"
    user = None if deps.failed_logins.blocked(client) else deps.accounts.authenticate(token)
    if user is None:
        deps.failed_logins.note(client)
        return RedirectResponse("/login?failed=true", status_code=303)
    session = sessions(request).start(token)
    home = "/overview" if scope_of_read(user) is Scope.ALL else "/worklist"
    response = RedirectResponse(home, status_code=303)
    session_cookie(request, response, session.id)
    return response


def scope_of_read(user: object) -> Scope | None:
    try:
        return scope_of(user, "cases.read")  # type: ignore[arg-type]
    except Forbidden:
        return None


@router.post("/logout")
def logout(page: CheckedPage) -> Response:
    sessions(page.request).end(page.session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/overview", status_code=303)


@router.get("/overview")
def overview(page: CurrentPage, department: Name = None, workflow: Name = None) -> HTMLResponse:
    """For operators and supervisors every department; an officer sees their own (部门总览:
    its load and clocks). Filters live in the URL."""
    mine = reach(page.user, "cases.read")
    scoped = mine is not None
    if mine is not None:
        department = department or min(mine, default="")
        require(page.user, "cases.read", departments={department or ""})
    seen = overview_of(
        page.deps.cases,
        department=department or None,
        workflow=workflow or None,
    )
    page.names.know_cases({o.case for o in seen.most_overdue} | {f.case for f in seen.forecast})
    query = page.request.url.query
    template = "overview_body.html" if page.partial else "overview.html"
    return page.render(
        template,
        view=seen,
        department=department or "",
        workflow=workflow or "",
        workflows=list_workflows(page.deps.cases.engine),
        departments={
            d: found
            for d, found in page.deps.catalogue().departments.items()
            if not scoped or d == department
        },
        query=query,
        scoped=scoped,
    )


@router.get("/cases/{case_id}")
def case_page(page: CurrentPage, case_id: Annotated[str, Path(max_length=40)]) -> HTMLResponse:
    return render_case(page, case_id)


def render_case(page: Page, case_id: str, *, error: OnethingError | None = None) -> HTMLResponse:
    """The case page (with a refused action's message, if any); a case awaiting acceptance
    shows the window its intake forms (受理, 退回补正)."""
    deps = page.deps
    view = deps.cases.show(case_id)
    workflow = deps.cases.workflows(view.workflow, view.version)
    shown = linked(deps.cases.engine, visible(view, workflow, page.user))
    calendar = deps.cases.calendar_of(view.workflow, view.version)
    events = deps.cases.timeline(case_id)
    titles = {s.id: s.title for s in workflow.steps}
    intake = view.status is CaseStatus.SUBMITTED and allows(
        page.user, "cases.accept", workflow.owner
    )
    return page.render(
        "case.html",
        status=refusal_status(error) if error else 200,
        error=error,
        case=shown,
        gantt=gantt_svg(shown, calendar, page.lang, titles=titles),
        events=events,
        documents=documents_of(shown, events),
        draws=draw_panels(page, shown, workflow),
        intake=[(m.id, m.title) for m in workflow.materials] if intake else None,
    )


def refusal(action: Callable[[], object]) -> OnethingError | None:
    """Run a page's action: None when done, or the engine's refusal (nothing changed)."""
    try:
        action()
    except OnethingError as error:
        return error
    return None


def _worklist_department(page: Page, department: str | None) -> str:
    """The asked department (an officer only one of their own, by default the first; a
    reader of everything any)."""
    mine = reach(page.user, "worklist.read")
    if mine is None:
        return department or ""
    require(page.user, "worklist.read", departments={department} if department else None)
    return department or min(mine, default="")


def _worklist(
    page: Page,
    department: str,
    *,
    after: str | None = None,
    error: OnethingError | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """A page of the department's worklist, most urgent first: `WORKLIST_PAGE` steps from
    the one after `after` (`case/step`, the last of the page before)."""
    start = None
    if after:
        case_id, _, step_id = after.partition("/")
        start = (case_id, step_id)
    found = (
        page.deps.cases.worklist(
            department, verifying=[department], limit=WORKLIST_PAGE + 1, after=start
        )
        if department
        else []
    )
    items = found[:WORKLIST_PAGE]
    # the window's verification tasks follow the last page of steps (no position to go on from)
    following = items[-1] if len(found) > WORKLIST_PAGE and items[-1].task == "step" else None
    return page.board(
        "worklist",
        error=error,
        items=items,
        examining=examining(page, items),
        department=department,
        actions=FORM_ACTIONS,
        verify_actions=VERIFY_ACTIONS,
        done=done,
        after=after,
        following=f"{following.case}/{following.step}" if following else None,
    )


@router.get("/worklist")
def worklist(
    page: CurrentPage,
    department: Name = None,
    after: Annotated[str | None, Query(max_length=120)] = None,
) -> HTMLResponse:
    return _worklist(page, _worklist_department(page, department), after=after)


@router.post("/cases/{case_id}/act")
def act(
    page: CheckedPage,
    case_id: str,
    action: Annotated[str, Form(max_length=40)],
    step: Annotated[str, Form(max_length=64)] = "",  # none: an action on the whole case
    comment: Annotated[str, Form(max_length=4000)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    items: Annotated[str, Form(max_length=4000)] = "",
    days: Annotated[str, Form(max_length=4)] = "",
    to: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """One action of the case engine on a step, as the session's user; a refusal is shown
    beside the worklist and changes nothing."""
    department = _worklist_department(page, None)
    args: dict[str, object] = {"step": step} if step.strip() else {}
    for key, value in (("comment", comment), ("reason", reason), ("to", to)):
        if value.strip():
            args[key] = value.strip()
    if items.strip():
        args["items"] = [i.strip() for i in items.replace("，", ",").split(",") if i.strip()]
    if days.strip():
        args["days"] = int(days) if days.strip().isdigit() else days

    def run() -> None:
        if action not in FORM_ACTIONS + VERIFY_ACTIONS:
            raise Forbidden(f"no such action on this page: {action!r}", actor=page.user.name)
        before = page.deps.cases.show(case_id)
        workflow = page.deps.cases.workflows(before.workflow, before.version)
        departments = departments_of(before, workflow)
        require(page.user, f"cases.{action}", departments=departments, case=case_id)
        page.deps.cases.act(case_id, action, actor=page.user.name, args=args)

    error = refusal(run)
    if error:
        return _worklist(page, department, error=error)
    workflow_id = page.deps.cases.show(case_id).workflow
    done = f"{case_id} · {page.names.step(workflow_id, step)} · {i18n.t(action, page.lang)}"
    return _worklist(page, department, done=done)


def _negatives(page: Page, *, error: OnethingError | None = None) -> HTMLResponse:
    rows = page.deps.cases.negatives(departments=reach(page.user, "negatives.read"))
    return page.board("negatives", error=error, negatives=rows)


@router.get("/negatives")
def negatives(page: CurrentPage) -> HTMLResponse:
    return _negatives(page)


@router.post("/negatives/{negative_id}/decide")
def decide(
    page: CheckedPage,
    negative_id: str,
    decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse:
    """The leader confirms or overturns a refusal; the reason is required."""

    def run() -> None:
        found = [n for n in page.deps.cases.negatives() if n.id == negative_id]
        if not found or decision not in ("confirm", "overturn"):
            raise Forbidden(
                f"no negative matter {negative_id!r} to {decision}", actor=page.user.name
            )
        matter = found[0]
        if not reason.strip():
            raise Forbidden(
                i18n.t("reason", page.lang) + " ?", actor=page.user.name, case=matter.case_id
            )
        action = f"{decision}-negative"
        require(page.user, f"cases.{action}", departments={matter.department}, case=matter.case_id)
        page.deps.cases.act(
            matter.case_id,
            action,
            actor=page.user.name,
            args={"negative": negative_id, "reason": reason.strip()},
        )

    return _negatives(page, error=refusal(run))


def _escalations(page: Page, *, error: OnethingError | None = None) -> HTMLResponse:
    rows = page.deps.supervision.escalations(departments=reach(page.user, "escalations.read"))
    page.names.know_cases({e.case for e in rows})
    return page.board("escalations", error=error, escalations=rows)


@router.get("/escalations")
def escalations(page: CurrentPage) -> HTMLResponse:
    """The escalations board (电子监察): levels fired, their acknowledgement and orders."""
    return _escalations(page)


@router.post("/escalations/{escalation_id}/acknowledge")
def acknowledge(page: CheckedPage, escalation_id: Annotated[int, Path(ge=1)]) -> HTMLResponse:
    def run() -> None:
        require(page.user, "escalations.acknowledge")
        page.deps.supervision.acknowledge(escalation_id, actor=page.user.name)

    return _escalations(page, error=refusal(run))


@router.post("/escalations/{escalation_id}/order")
def order(
    page: CheckedPage,
    escalation_id: Annotated[int, Path(ge=1)],
    due: Annotated[dt.date, Form()],
) -> HTMLResponse:
    """督办: finish by the close of business of `due` (a date on the calendar)."""

    def run() -> None:
        require(page.user, "escalations.order")
        page.deps.supervision.order(escalation_id, actor=page.user.name, due=due)

    return _escalations(page, error=refusal(run))
