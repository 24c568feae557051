"""One real Prefect server and one `onething serve` for the whole session, on a fresh PostgreSQL
database (dropped at the end). The serving process can be killed and started again."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

import engine.cases.tables  # noqa: F401  (registers the tables)
import flows.tables  # noqa: F401
from engine.access.accounts import Accounts
from engine.cases.service import CaseService
from engine.connectors import registry
from flows.serving import prefect_server
from tests.e2e.prefect import app

ROOT = Path(__file__).resolve().parents[3]
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
WAIT = 60.0


def wait_for(what: str, check: Callable[[], Any], *, seconds: float = WAIT) -> Any:
    """`check()`'s first truthy value, polled; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds:g} s waiting for {what} (last: {value!r})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("prefect")
    with prefect_server(home, port=free_port()) as api_url:
        os.environ["PREFECT_API_URL"] = api_url  # for this process's clients (flows.wake)
        yield api_url


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"onething_flows_{secrets.token_hex(4)}"
    with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    engine = sa.create_engine(url)
    SQLModel.metadata.create_all(engine)
    registry.seed(engine, definitions=ROOT / "definitions")
    engine.dispose()
    os.environ["ONETHING_DATABASE_URL"] = url
    yield url
    with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Served:
    """`onething serve` in its own process group (so SIGKILL takes its flow runs with it)."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *extra: str) -> None:
        out = open(self.log, "ab")  # noqa: SIM115  (the child keeps it)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "engine.cli.main", "serve", "--reconcile-every", "1", *extra],
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        try:
            wait_for("the case deployment to be served", self.serving, seconds=WAIT)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.output()[-3000:]}") from None

    def output(self) -> str:
        """What the serving process printed since it last started."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text.split("=== start ===")[-1]

    def serving(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"onething serve exited:\n{self.output()[-3000:]}")
        return "serving case/cases" in self.output()

    def kill(self) -> None:
        """SIGKILL the serving process and every flow run it started."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        with open(self.log, "a") as out:
            out.write("\n=== start ===\n")

    def descendants(self) -> list[str]:
        """Processes below the serving process (awake flow runs), by command line; not its
        helpers, which hold no run: Python's resource tracker, and the forkserver the runs
        are forked from (`flows.serving`) — whose children, the runs, do count."""
        assert self.process is not None
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        found: list[int] = []
        todo = [self.process.pid]
        while todo:
            parent = todo.pop()
            for child in children.get(parent, []):
                todo.append(child)
                forkserver = parent == self.process.pid and (
                    "multiprocessing.forkserver" in _command_line(child)
                )
                if not forkserver:
                    found.append(child)
        lines = [_command_line(pid) for pid in found]
        return [line for line in lines if "multiprocessing.resource_tracker" not in line]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return f"{pid} (gone)"


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
        "ONETHING_CONNECTOR_TIMEOUT": "5",
        "ONETHING_TEST_CHECK_SECONDS": "1",
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
    from flows.runtime import case_service

    os.environ["ONETHING_SERVICE_FACTORY"] = "tests.e2e.prefect.app:service"
    try:
        svc = case_service(wake=True)
    finally:  # later tests of the session get the real store again
        del os.environ["ONETHING_SERVICE_FACTORY"]
    for name, role, department in [
        ("wang", "window", app.OWNER),
        ("chen", "reviewer", app.OWNER),
        ("li", "leader", app.OWNER),
    ]:
        Accounts(svc.engine, clock=svc.clock).add(name, role=role, department=department)
    yield svc
