"""What every page route shares: the templates, the language, the session's user (resolved
from the session cookie as the API resolves a bearer token) and the CSRF check of a form or
an htmx request. Rules of who may see what stay in `engine.access`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from engine.access.permissions import Forbidden, Principal, allows
from engine.api.deps import Deps, Services
from engine.api.problems import status_of
from engine.cases.errors import NotPermitted
from engine.errors import OnethingError
from engine.pages import i18n
from engine.pages.names import Names
from engine.pages.refusals import refusal_text
from engine.pages.sessions import COOKIE, Session, Sessions

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
# the templates ship with the package: compiled once, never checked on disk again per request
templates.env.auto_reload = False
templates.env.globals.update(
    t=i18n.t,
    status_text=i18n.status_text,
    date_text=i18n.date_text,
    moment=i18n.moment,
    left=i18n.left,
    level_text=i18n.level_text,
    event_text=i18n.event_text,
    clock_text=i18n.clock_text,
    limit_text=i18n.limit_text,
    source_text=i18n.source_text,
    refusal=refusal_text,
    may=allows,
)
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """No live session: the browser goes to the login page."""


def sessions(request: Request) -> Sessions:
    found: Sessions = request.app.state.sessions
    return found


def lang(request: Request) -> i18n.Lang:
    return i18n.lang_of(request.query_params.get("lang") or request.cookies.get("lang"))


@dataclass
class Page:
    """The request as a page sees it: who, in which language, with which session."""

    request: Request
    user: Principal
    session: Session
    lang: i18n.Lang
    deps: Services

    @property
    def partial(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    @cached_property
    def names(self) -> Names:
        return Names(self.deps)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        response = templates.TemplateResponse(
            self.request,
            template,
            {
                "user": self.user,
                "csrf": self.session.csrf,
                "lang": self.lang,
                "names": self.names,
                **context,
            },
            status_code=status,
        )
        remember(self.request, response, self.lang)
        return response

    def board(
        self, name: str, *, error: OnethingError | None = None, **context: Any
    ) -> HTMLResponse:
        """A page with a board of actions (`<name>.html`), or to htmx its body alone
        (`<name>_body.html`); a refusal is shown on it, and a full page says 403 for a role
        or department that may not, else 422 (htmx swaps a 200 only)."""
        template = f"{name}_body.html" if self.partial else f"{name}.html"
        status = refusal_status(error) if error and not self.partial else 200
        return self.render(template, status=status, error=error, **context)


def refusal_status(error: OnethingError) -> int:
    """A full page's status for a refused action: 403 for a role or department that may
    not, else 422 (nothing changed either way)."""
    return 403 if isinstance(error, Forbidden | NotPermitted) else 422


def remember(request: Request, response: Response, chosen: i18n.Lang) -> None:
    """A `lang` asked for in the query is kept in a cookie for the next pages."""
    if request.query_params.get("lang"):
        response.set_cookie("lang", chosen, samesite="strict", httponly=True)


def session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def _page(request: Request, deps: Deps) -> Page:
    session = sessions(request).get(request.cookies.get(COOKIE))
    if session is None or session.token is None:
        raise LoginRequired
    user = deps.accounts.authenticate(session.token)
    if user is None:  # disabled or rotated since login
        sessions(request).end(session.id)
        raise LoginRequired
    return Page(request, user, session, lang(request), deps)


CurrentPage = Annotated[Page, Depends(_page)]


async def _checked(request: Request, page: CurrentPage) -> Page:
    """A page that changes something: the session's CSRF token must come with it (a form
    field `csrf` or the `X-CSRF-Token` header htmx sends)."""
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        field = form.get("csrf")
        presented = field if isinstance(field, str) else None
    if not page.session.csrf_ok(presented):
        raise HTTPException(403, i18n.t("csrf", page.lang))
    return page


CheckedPage = Annotated[Page, Depends(_checked)]


def error_page(request: Request, error: OnethingError) -> HTMLResponse:
    """A refusal of a whole page (another department's worklist, an unknown case)."""
    return templates.TemplateResponse(
        request,
        "error.html",
        {"message": str(error), "lang": lang(request), "user": None, "csrf": ""},
        status_code=status_of(error),
    )


class PageRoute(APIRoute):
    """A page's refusal is a page, not problem JSON; without a session the browser goes to
    the login page (htmx: by `HX-Redirect`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handled(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if request.headers.get("HX-Request") == "true":
                    return Response(status_code=401, headers={"HX-Redirect": "/login"})
                return RedirectResponse("/login", status_code=303)
            except OnethingError as error:
                return error_page(request, error)

        return handled
