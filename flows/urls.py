"""Where the Prefect server is, and where to see a case's flow run in its UI."""

from __future__ import annotations

import os

import sqlalchemy as sa

from engine.views.cases import CaseView
from flows import tables

EMBEDDED_PORT = 4200


def api_url() -> str:
    """The Prefect API the flows talk to: `PREFECT_API_URL`, else the embedded server's."""
    return os.environ.get("PREFECT_API_URL") or f"http://127.0.0.1:{EMBEDDED_PORT}/api"


def ui_url() -> str:
    """The Prefect UI: `PREFECT_UI_URL`, else the API's address without `/api`."""
    return os.environ.get("PREFECT_UI_URL") or api_url().removesuffix("/api")


def flow_run_url(database: sa.Engine, case_id: str) -> str | None:
    """The UI page of the case's flow run; None before the case has one."""
    run_id = tables.flow_run_of(database, case_id)
    return f"{ui_url().rstrip('/')}/runs/flow-run/{run_id}" if run_id else None


def linked(database: sa.Engine, view: CaseView) -> CaseView:
    """`view` with the link to its case's flow run (the CLI's `case show`, the API, the case
    page)."""
    return view.model_copy(update={"flow_run_url": flow_run_url(database, view.id)})
