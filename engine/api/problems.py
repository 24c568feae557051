"""Errors as `application/problem+json` (RFC 9457): the engine's own message, a status from
its kind, and the case, step, state and actor where the engine named them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from engine.access.permissions import Forbidden
from engine.cases.errors import Conflict, IllegalAction, NotPermitted, PreconditionFailed
from engine.definitions.application import ApplicationError
from engine.definitions.problems import DefinitionError
from engine.errors import NotFound, OnethingError

MEDIA_TYPE = "application/problem+json"


class SourceProblem(BaseModel):
    """One problem in an uploaded definition, at its place."""

    file: str
    line: int
    col: int
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem; `detail` is the engine's message."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    case: str | None = None
    step: str | None = None
    state: str | None = None
    actor: str | None = None
    action: str | None = None
    problems: list[SourceProblem] | None = None  # a definition's, each at file:line:col


TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the case's state",
    412: "The case changed since it was read",
    413: "Too large",
    415: "Unsupported media type",
    422: "Unprocessable input",
    428: "Precondition required",
    429: "Too many failed logins",
}


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body = Problem(title=TITLES.get(status, "Error"), status=status, detail=detail, **extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        body.model_dump(exclude_none=True), status, headers=headers, media_type=MEDIA_TYPE
    )


def status_of(error: OnethingError) -> int:
    """The HTTP status of an engine error."""
    if isinstance(error, Forbidden | NotPermitted):
        return 403
    if isinstance(error, PreconditionFailed):
        return 412
    if isinstance(error, IllegalAction | Conflict):
        return 409
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, DefinitionError | ApplicationError):
        return 422  # well-formed, but not a definition or an application that can be used
    return 400


def _engine_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, OnethingError)
    extra: dict[str, Any] = {}
    if isinstance(error, IllegalAction):
        extra = {
            "case": error.case,
            "step": error.step,
            "state": error.state,
            "actor": error.actor,
            "action": error.action,
        }
    if isinstance(error, Forbidden):
        extra = {"case": error.case, "actor": error.actor}
    if isinstance(error, DefinitionError):
        extra["problems"] = [SourceProblem(**vars(p)) for p in error.problems]
    return problem(status_of(error), str(error), **extra)


def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    response = problem(error.status_code, str(error.detail))
    if error.headers:
        response.headers.update(error.headers)
    return response


def _invalid(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    lines = []
    for found in error.errors():
        where = ".".join(str(part) for part in found.get("loc", ()))
        lines.append(f"{where}: {found.get('msg', 'invalid')}")
    return problem(422, "; ".join(lines) or "invalid request")


def install(app: FastAPI) -> None:
    app.add_exception_handler(OnethingError, _engine_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route: each error status answered with a `Problem`."""
    return {
        status: {
            "model": Problem,
            "description": TITLES.get(status, "Error"),
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
