"""The HTTP API served by uvicorn on a loopback port, over a fresh store (SQLite and
PostgreSQL) with the repository's definitions registered and one user per role."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from engine.access.accounts import Accounts
from engine.api.app import create_app
from engine.api.deps import Services
from engine.calendar import load_calendars
from engine.cases.service import CaseService
from engine.definitions import load_catalogue
from engine.escalation.sweep import Supervision
from engine.registry import register, workflow_source
from engine.store import get_engine
from tests.conftest import DEFINITIONS

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 10, 12, 9, 0, tzinfo=TZ)  # a Monday, a working day
WORKFLOW = "utility-external-works"
SAMPLE = json.loads((DEFINITIONS / "samples" / f"{WORKFLOW}.json").read_text(encoding="utf-8"))
APPLICATION = {k: SAMPLE[k] for k in ("applicant", "fields", "materials")}

# one user per role (and a second reviewer of another department, for scope)
USERS: dict[str, tuple[str, str | None]] = {
    "wang": ("window", "approval-bureau"),
    "chen": ("reviewer", "approval-bureau"),
    "zhou": ("head", "approval-bureau"),
    "li": ("leader", "approval-bureau"),
    "liu": ("reviewer", "municipal"),
    "ma": ("reviewer", "municipal"),
    "hu": ("head", "municipal"),
    "zhao": ("reviewer", "traffic-police"),
    "qian": ("reviewer", "exit-entry"),
    "jian": ("supervisor", "supervision"),
    "admin": ("admin", "approval-bureau"),
    "ops": ("operator", None),
    "portal": ("portal", None),
}


class Clock:
    """The service's clock, moved by the test (never the wall clock)."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Api:
    """The served API: its base URL, each user's token, the services behind it."""

    url: str
    tokens: dict[str, str]
    services: Services
    clock: Clock
    app: FastAPI

    def client(self, user: str | None = None, **headers: str) -> httpx.Client:
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def submit(self, application: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.client("portal") as portal:
            answer = portal.post(
                "/api/v1/cases", params={"workflow": WORKFLOW}, json=application or APPLICATION
            )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def accepted(self) -> str:
        case_id = str(self.submit()["id"])
        with self.client("wang") as window:
            answer = window.post(f"/api/v1/cases/{case_id}/actions/accept")
        assert answer.status_code == 200, answer.text
        return case_id


def services_over(url: str, clock: Clock) -> Services:
    database = get_engine(url)
    catalogue = load_catalogue(DEFINITIONS)
    for path in sorted((DEFINITIONS / "workflows").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        register(database, text, file=str(path), catalogue=catalogue, now=clock())
    cases = CaseService(
        database,
        workflows=workflow_source(database, catalogue),
        calendars=load_calendars(DEFINITIONS / "calendars"),
        clock=clock,
    )
    return Services(
        cases=cases,
        supervision=Supervision(cases, catalogue=catalogue),
        accounts=Accounts(database, clock=clock),
        catalogue=lambda: catalogue,
        calendars=cases.calendars,
        definitions=DEFINITIONS,
    )


@pytest.fixture
def api(store_url: str) -> Iterator[Api]:
    clock = Clock(NOW)
    services = services_over(store_url, clock)
    tokens = {
        name: services.accounts.add(name, role=role, department=department)
        for name, (role, department) in USERS.items()
    }
    app = create_app(services)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(128)  # connections queue until the server accepts: no wait to start
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        yield Api(f"http://127.0.0.1:{port}", tokens, services, clock, app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()
