"""Where to see a case in the Prefect UI (for `onething case show`)."""

from __future__ import annotations

import os

import sqlalchemy as sa

from flows import runtime, tables


def ui_url() -> str:
    """The Prefect UI: `PREFECT_UI_URL`, else the API's address without `/api`."""
    return os.environ.get("PREFECT_UI_URL") or runtime.api_url().removesuffix("/api")


def flow_run_url(database: sa.Engine, case_id: str) -> str | None:
    """The UI page of the case's flow run; None before the case has one."""
    run_id = tables.flow_run_of(database, case_id)
    return f"{ui_url().rstrip('/')}/runs/flow-run/{run_id}" if run_id else None
