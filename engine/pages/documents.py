"""A case's documents (文书) as printable pages: the officer opens one from the case page and
the browser prints it (print CSS; the browser makes the PDF)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse

from engine.access.visibility import visible
from engine.errors import NotFound
from engine.pages.web import CurrentPage, PageRoute
from engine.views.documents import documents_of

router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.get("/cases/{case_id}/documents/{serial}")
def document(
    page: CurrentPage,
    case_id: Annotated[str, Path(max_length=40)],
    serial: Annotated[int, Path(ge=1, le=10_000)],
) -> HTMLResponse:
    deps = page.deps
    view = deps.cases.show(case_id)
    workflow = deps.cases.workflows(view.workflow, view.version)
    shown = visible(view, workflow, page.user)
    found = documents_of(shown, deps.cases.timeline(case_id))
    if serial > len(found):
        raise NotFound(f"case {case_id} has no document {serial} (it has {len(found)})")
    doc = found[serial - 1]
    # a step's decision is its department's; the rest the combined service's owner's
    issuer = workflow.step(doc.step).department if doc.step else workflow.owner
    return page.render(
        "document.html",
        case=shown,
        doc=doc,
        issuer=page.names.department(issuer),
        matters=deps.catalogue().matters,
    )
