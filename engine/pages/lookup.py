"""The public status lookup (办件进度查询): no login; the applicant enters the case number and
the query code printed on the acceptance notice and sees the status and dates. Every lookup
counts against the client's address (429 past the limit); a wrong code and an unknown case
answer alike, after the same constant-time comparison."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from engine.api.deps import ID_PATTERN, Deps
from engine.cases.query_code import code_matches
from engine.errors import OnethingError
from engine.pages.names import Names
from engine.pages.sessions import COOKIE
from engine.pages.web import PageRoute, lang, remember, session_cookie, sessions, templates
from engine.views.cases import CaseView
from engine.views.lookup import PublicStatusView, public_status

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _answer(
    request: Request,
    deps: Deps,
    *,
    status: int = 200,
    found: PublicStatusView | None = None,
    message: str | None = None,
    case: str = "",
) -> HTMLResponse:
    """The lookup form (with the visitor's session: a pre-login one if none is live), and a
    status found or why not."""
    live = sessions(request).get(request.cookies.get(COOKIE))
    session = live or sessions(request).start()
    chosen = lang(request)
    response = templates.TemplateResponse(
        request,
        "lookup.html",
        {
            "csrf": session.csrf,
            "lang": chosen,
            "user": None,
            "names": Names(deps),
            "found": found,
            "message": message,
            "case_no": case,
        },
        status_code=status,
    )
    if live is None:
        session_cookie(request, response, session.id)
    remember(request, response, chosen)
    return response


@router.get("/lookup")
def lookup_form(request: Request, deps: Deps) -> HTMLResponse:
    return _answer(request, deps)


@router.post("/lookup")
def lookup(
    request: Request,
    deps: Deps,
    case: Annotated[str, Form(max_length=40)],
    code: Annotated[str, Form(max_length=40)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse:
    client = request.client.host if request.client else "?"
    if deps.lookups.blocked(client):
        response = _answer(request, deps, status=429, message="too_many", case=case)
        response.headers["Retry-After"] = "60"
        return response
    deps.lookups.note(client)
    session = sessions(request).get(request.cookies.get(COOKIE))
    if session is None or not session.csrf_ok(csrf):
        return _answer(request, deps, status=403, message="csrf", case=case)
    view: CaseView | None = None
    if re.fullmatch(ID_PATTERN, case.strip()):
        try:
            view = deps.cases.show(case.strip())
        except OnethingError:
            view = None
    if not code_matches(view.query_code if view else None, code):
        return _answer(request, deps, status=404, message="lookup_failed", case=case)
    assert view is not None
    return _answer(request, deps, found=public_status(view), case=case)
