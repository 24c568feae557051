"""The HTTP API (`/api/v1`, OpenAPI at `/docs`): routes are entry points that resolve the
calling user, check the permission table and call the same services the CLI calls."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, PlainTextResponse
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine import pages
from engine.api import problems
from engine.api.deps import Deps, Services, guard
from engine.api.headers import SecurityHeaders
from engine.api.metrics import Metrics
from engine.api.routes import (
    calendar,
    cases,
    definitions,
    draws,
    licences,
    roster,
    supervision,
    users,
)

PREFIX = "/api/v1"


class _Timed:
    """Every request's latency into the histogram, by its route's template (not its path,
    so case ids do not become series)."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(scope["method"], route, str(status[0])).observe(
                time.perf_counter() - started
            )


def _health(app: FastAPI, metrics: Metrics) -> None:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", **guard(None))
    def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @router.get("/readyz", **guard(None, 503))
    def readyz(deps: Deps) -> Any:
        """The store answers a query."""
        try:
            with deps.cases.engine.connect() as db:
                db.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            return problems.problem(503, f"the store does not answer: {type(exc).__name__}")
        return {"status": "ready"}

    @router.get(
        "/metrics",
        response_class=PlainTextResponse,
        **guard(None),
    )
    def metrics_text() -> PlainTextResponse:
        """The `onething_*` series in Prometheus text format."""
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)


def _docs(app: FastAPI) -> None:
    """Swagger UI at `/docs` from the package's static files (swagger-ui-dist, Apache-2.0,
    vendored with its licence): the service works without internet, so no CDN."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url="/static/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui-favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )


def create_app(services: Services) -> FastAPI:
    """The API over `services` (one per process: `onething serve`, or a test's store)."""
    app = FastAPI(
        title="onething",
        summary="Combined government approvals (高效办成一件事) on statutory working-day clocks",
        version="1",
        docs_url=None,  # served by _docs from the vendored files
        redoc_url=None,  # ReDoc would load from a CDN; Swagger UI at /docs is the one viewer
        openapi_url="/openapi.json",
    )
    app.state.services = services
    metrics = Metrics(services.cases.engine, services.cases.clock)
    problems.install(app)
    _health(app, metrics)
    _docs(app)
    for module in (cases, draws, roster, definitions, supervision, calendar, users, licences):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(draws.listing, prefix=PREFIX)
    pages.install(app, clock=services.cases.clock)
    app.add_middleware(_Timed, metrics=metrics)
    app.add_middleware(SecurityHeaders)
    return app
