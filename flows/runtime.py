"""Where the flows get their case service and settings: the environment of the serving process.

`ONETHING_SERVICE_FACTORY` (`package.module:function`, returning a `CaseService`) names the
service; by default it is the store's (`ONETHING_DATABASE_URL`, else SQLite in
`ONETHING_DATA_DIR`). Connector retries, backoff and timeout are settings too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.cases.service import CaseService
from engine.connectors import registry
from engine.connectors.runner import load_callable
from flows import tables

FACTORY_ENV = "ONETHING_SERVICE_FACTORY"
DEFAULT_FACTORY = "flows.runtime:default_service"
EMBEDDED_PORT = 4200


@dataclass(frozen=True)
class Settings:
    """How hard a flow tries a connector before an incident (env `ONETHING_CONNECTOR_*`)."""

    retries: int = 3
    backoff_seconds: float = 2.0
    timeout_seconds: float = 10.0

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            retries=int(env.get("ONETHING_CONNECTOR_RETRIES", cls.retries)),
            backoff_seconds=float(env.get("ONETHING_CONNECTOR_BACKOFF", cls.backoff_seconds)),
            timeout_seconds=float(env.get("ONETHING_CONNECTOR_TIMEOUT", cls.timeout_seconds)),
        )


def data_dir() -> Path:
    return Path(os.environ.get("ONETHING_DATA_DIR", ".onething"))


def api_url() -> str:
    """The Prefect API the flows talk to: `PREFECT_API_URL`, else the embedded server's."""
    return os.environ.get("PREFECT_API_URL") or f"http://127.0.0.1:{EMBEDDED_PORT}/api"


def case_service(*, wake: bool = False) -> CaseService:
    """The case service; with `wake`, its commits start and resume the cases' flow runs
    (what the API and the CLI use; the flows themselves are awake and need no waking)."""
    factory: Callable[[], Any] = load_callable(os.environ.get(FACTORY_ENV, DEFAULT_FACTORY))
    service = factory()
    if not isinstance(service, CaseService):
        raise TypeError(f"{FACTORY_ENV} must return a CaseService, not {type(service).__name__}")
    tables.ensure_tables(service.engine)
    registry.ensure_tables(service.engine)
    if wake:
        from flows.wake import FlowWaker, chained

        service.after_commit = chained(service.after_commit, FlowWaker(service.engine))
    return service


def default_service() -> CaseService:
    """The store's service on the configured database, with the registered workflows."""
    from engine.app import case_service as store_service

    return store_service()
