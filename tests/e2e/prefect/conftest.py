"""One real Prefect server and one `onething serve` for the whole session, on a fresh PostgreSQL
database (dropped at the end). The serving process can be killed and started again."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from engine.access.accounts import Accounts
from engine.cases.service import CaseService
from engine.connectors import registry
from engine.store.db import migrate
from flows.serving import prefect_server
from tests.e2e.prefect import app
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.flow_runs import AUDIT_KEY, Served
from tests.fixtures.loopback import free_port
from tests.fixtures.stores import fresh_postgres


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("prefect")
    with prefect_server(home, port=free_port()) as api_url:
        os.environ["PREFECT_API_URL"] = api_url  # for this process's clients (flows.wake)
        yield api_url


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with fresh_postgres("onething_flows") as url:
        engine = sa.create_engine(url)
        migrate(engine)  # the product's own schema, every table of it
        SQLModel.metadata.create_all(engine)  # and the test app's own (its checks' releases)
        registry.seed(engine, definitions=DEFINITIONS)
        engine.dispose()
        os.environ["ONETHING_DATABASE_URL"] = url
        yield url


@pytest.fixture(scope="session")
def served(
    prefect_api: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "ONETHING_DATABASE_URL": database_url,
        "ONETHING_SERVICE_FACTORY": "tests.e2e.prefect.app:service",
        "ONETHING_CONNECTOR_RETRIES": "1",
        "ONETHING_CONNECTOR_BACKOFF": "0.2",
        "ONETHING_CONNECTOR_TIMEOUT": "60",  # longer than a check is held
        "ONETHING_TEST_CHECK_HOLD": "30",
        "ONETHING_AUDIT_KEY": AUDIT_KEY,
        "ONETHING_CHECKPOINT_MINUTES": "0.05",  # every 3 s
        "ONETHING_CHECKPOINT_DIR": str(tmp_path_factory.mktemp("exported-checkpoints")),
    }
    server = Served(env, tmp_path_factory.mktemp("serve") / "serve.log")
    server.start()
    _SERVED.append(server)
    yield server
    _SERVED.clear()
    if server.process is not None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)


_SERVED: list[Served] = []  # the session's serving process, for failure reports


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test's report carries the end of what `onething serve` printed meanwhile
    (reconcile rounds, flow-run logs): a timing failure in CI can then be read, not guessed."""
    report = yield
    if report.failed and _SERVED:
        report.sections.append(("onething serve (end)", _SERVED[0].output()[-6000:]))
    return report


@pytest.fixture(scope="session")
def service(served: Served) -> Iterator[CaseService]:
    """The API's side: a case service whose commits start and resume the flow runs."""
    from engine.bootstrap import case_service
    from flows.wake import waking

    os.environ["ONETHING_SERVICE_FACTORY"] = "tests.e2e.prefect.app:service"
    try:
        svc = waking(case_service())
    finally:  # later tests of the session get the real store again
        del os.environ["ONETHING_SERVICE_FACTORY"]
    for name, role, department in [
        ("wang", "window", app.OWNER),
        ("chen", "reviewer", app.OWNER),
        ("li", "leader", app.OWNER),
    ]:
        Accounts(svc.engine, clock=svc.clock).add(name, role=role, department=department)
    yield svc
