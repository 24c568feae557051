"""A drawn examiner's own forms on a case page (实地核查): once the draw is opened, each
examiner still to report records findings (核查意见), or declines with the reason (回避 /
无法到场) and the engine draws a replacement, sealed like the first. The same `record_finding`
and `decline` of the draw service the API and the CLI call; the examiner is the session's
user, whose account is named by their roster id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse, Response

from engine.access.permissions import require
from engine.api.deps import ID_PATTERN
from engine.draw.service import DrawService
from engine.errors import NotFound, ServiceError
from engine.pages.routes import refusal, render_case
from engine.pages.web import CheckedPage, Page, PageRoute

router = APIRouter(include_in_schema=False, route_class=PageRoute)
CaseId = Annotated[str, Path(max_length=40, pattern=ID_PATTERN)]
StepId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
Text = Annotated[str, Form(max_length=4000)]


def _examiner_action(
    page: Page, case_id: str, step: str, action: str, run: Callable[[DrawService], object]
) -> Response:
    """`run` as the session's user once they may do `action` in the step's department: back
    to the draw when done, or the case page with the engine's refusal (nothing changed)."""

    def attempt() -> None:
        view = page.deps.cases.show(case_id)
        department = next((s.department for s in view.steps if s.id == step), None)
        if department is None:
            raise NotFound(f"case {case_id!r} has no step {step!r}")
        require(page.user, action, departments={department}, case=case_id)
        if page.deps.draws is None:
            raise ServiceError("the inspection draw is not configured in this service")
        run(page.deps.draws)

    error = refusal(attempt)
    if error is None:
        return RedirectResponse(f"/cases/{case_id}#draw-{step}", status_code=303)
    return render_case(page, case_id, error=error)


@router.post("/cases/{case_id}/draws/{step}/findings")
def record_finding(page: CheckedPage, case_id: CaseId, step: StepId, text: Text = "") -> Response:
    """核查意见 of the session's examiner; the step completes when every examiner's are in."""
    return _examiner_action(
        page,
        case_id,
        step,
        "draws.finding",
        lambda draws: draws.record_finding(case_id, step, actor=page.user.name, text=text.strip()),
    )


@router.post("/cases/{case_id}/draws/{step}/decline")
def decline(page: CheckedPage, case_id: CaseId, step: StepId, reason: Text = "") -> Response:
    """The session's examiner withdraws (回避 / 无法到场) with the reason; a replacement is
    drawn at once, sealed until the authorised role opens it."""
    name = page.user.name
    return _examiner_action(
        page,
        case_id,
        step,
        "draws.decline",
        lambda draws: draws.decline(
            case_id, step, actor=name, examiner=name, reason=reason.strip()
        ),
    )
