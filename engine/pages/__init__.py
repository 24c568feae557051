"""The dashboard's pages (运行总览, 办件详情, 待办, 否定事项报备, 电子监察, 事项编排, 工作日历,
文书) and the public status lookup (办件进度查询) in the API's FastAPI app: Jinja2 templates over
the typed views, htmx 2 (vendored, 0BSD) for partial updates, a server-side session per login."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from engine.pages.sessions import Sessions
from engine.pages.web import HERE


def install(app: FastAPI, *, clock: Callable[[], dt.datetime]) -> None:
    """Add the pages and their static files to `app` (sessions measured on `clock`)."""
    from engine.pages import (
        calendar,
        documents,
        draws,
        examiners,
        intake,
        lookup,
        routes,
        workbench,
    )

    app.state.sessions = Sessions(clock)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (routes, intake, workbench, documents, calendar, lookup, draws, examiners):
        app.include_router(module.router)
