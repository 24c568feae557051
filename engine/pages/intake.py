"""The window's intake on a case page (收件受理): accept the application, or return it for
correction (一次告知, Art. 32) with the materials ticked and free-text items, one a line; the
same `accept` and `return-for-correction` of the case engine the API and the CLI call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse, Response

from engine.access.permissions import Forbidden, require
from engine.pages.routes import refusal, render_case
from engine.pages.web import CheckedPage, PageRoute

router = APIRouter(include_in_schema=False, route_class=PageRoute)
INTAKE_ACTIONS = ("accept", "return-for-correction")


@router.post("/cases/{case_id}/intake")
def intake(
    page: CheckedPage,
    case_id: Annotated[str, Path(max_length=40)],
    action: Annotated[str, Form(max_length=40)],
    materials: Annotated[list[str] | None, Form(max_length=64)] = None,
    notes: Annotated[str, Form(max_length=4000)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """受理 or 退回补正 as the session's window officer; back to the case page when done, or
    the case page with the engine's refusal (nothing changed)."""

    def run() -> None:
        if action not in INTAKE_ACTIONS:
            raise Forbidden(f"no such intake action: {action!r}", actor=page.user.name)
        before = page.deps.cases.show(case_id)
        owner = page.deps.cases.workflows(before.workflow, before.version).owner
        require(page.user, f"cases.{action}", departments={owner}, case=case_id)
        args: dict[str, object] = {}
        if action == "return-for-correction":
            lines = [line.strip() for line in notes.splitlines() if line.strip()]
            args = {"items": [*(materials or []), *lines], "reason": reason.strip()}
        page.deps.cases.act(case_id, action, actor=page.user.name, args=args)

    error = refusal(run)
    if error is None:
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    return render_case(page, case_id, error=error)
