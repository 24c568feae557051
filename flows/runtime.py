"""Where the flows get their case service and settings: the environment of the serving process.

`ONETHING_SERVICE_FACTORY` (`package.module:function`, returning a `CaseService`) names the
service; by default it is the store's (`ONETHING_DATABASE_URL`, else SQLite in
`ONETHING_DATA_DIR`). Connector retries, backoff and timeout are settings too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine.cases.service import CaseService

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


def api_url() -> str:
    """The Prefect API the flows talk to: `PREFECT_API_URL`, else the embedded server's."""
    return os.environ.get("PREFECT_API_URL") or f"http://127.0.0.1:{EMBEDDED_PORT}/api"


def case_service(*, wake: bool = False) -> CaseService:
    """The configured case service; with `wake`, one whose commits also start and resume the
    cases' flow runs (the flows themselves are awake and need no waking)."""
    from engine.app import case_service as configured

    service = configured()
    if not wake:
        return service
    from flows.wake import FlowWaker, chained

    return CaseService(
        service.engine,
        workflows=service.workflows,
        calendars=service.calendars,
        clock=service.clock,
        after_commit=chained(service.after_commit, FlowWaker(service.engine)),
    )
