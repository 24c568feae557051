"""Calling a step's connector: a Python callable by import path, or an HTTP endpoint (POST JSON).

The request carries the idempotency key `case:step:attempt` (and, over HTTP, the
`Idempotency-Key` header): a connector with side effects applies them once per key and answers
a repeated key with its first answer. The answer is `{"ok": bool, "findings": [...], ...}`.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa

from engine.definitions.model import Connector
from engine.errors import OnethingError

TIMEOUT_SECONDS = 10.0


class ConnectorError(OnethingError):
    """A connector could not answer (unreachable, timed out, broken answer): worth a retry."""


def load_callable(target: str) -> Callable[..., Any]:
    """`package.module:function` imported."""
    module_name, _, name = target.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ConnectorError(f"connector {target}: cannot import ({exc})") from exc
    if not callable(function):
        raise ConnectorError(f"connector {target}: not callable")
    return function


async def call(
    connector: Connector,
    request: dict[str, Any],
    *,
    database: sa.Engine | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """The connector's answer to `request`; `ConnectorError` if it has none.

    A Python connector is called as `function(request, database=engine)` in a worker thread
    (it may read the registries in the engine's database); an HTTP one gets the request as JSON.
    """
    if connector.kind == "python":
        function = load_callable(connector.target)
        try:
            answer = await asyncio.wait_for(
                asyncio.to_thread(function, request, database=database), timeout
            )
        except TimeoutError as exc:
            raise ConnectorError(f"connector {connector}: no answer in {timeout:g} s") from exc
    else:
        answer = await _post(connector.target, request, timeout=timeout)
    return checked(connector, answer)


async def _post(url: str, request: dict[str, Any], *, timeout: float) -> Any:
    headers = {"Idempotency-Key": str(request["key"])}
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, json=request, headers=headers)
    except httpx.HTTPError as exc:
        raise ConnectorError(f"connector {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        raise ConnectorError(f"connector {url}: HTTP {response.status_code} {response.text[:200]}")
    try:
        return response.json()
    except ValueError as exc:
        raise ConnectorError(f"connector {url}: the answer is not JSON") from exc


def checked(connector: Connector, answer: Any) -> dict[str, Any]:
    """The answer if it has the shape of one: a mapping with a boolean `ok`."""
    if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
        raise ConnectorError(
            f'connector {connector}: answer {str(answer)[:200]!r} has no boolean "ok"'
        )
    findings = answer.get("findings", [])
    if not isinstance(findings, list):
        raise ConnectorError(f'connector {connector}: "findings" must be a list')
    return dict(answer)
