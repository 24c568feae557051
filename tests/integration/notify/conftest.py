"""Real parts for delivery tests: SQLite and PostgreSQL, an SMTP server and an HTTP receiver,
all on loopback."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import Session, SQLModel

from engine.notify.channels import ChannelKind
from engine.notify.dispatch import Dispatcher
from engine.notify.mail import SmtpSettings, SmtpTransport
from engine.notify.notice import Notice, NoticeKind, Recipient, WorkingTime
from engine.notify.tables import NOTIFY_TABLES
from engine.notify.transports import LogTransport, Transport
from engine.notify.webhook import WebhookTransport
from engine.retry import RetryPolicy
from tests.conftest import fresh_postgres

SECRET = "s3cret-for-tests"
SECRET_ENV = "ONETHING_WEBHOOK_SECRET"
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, total_seconds=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of the notify tests' own (its migration test drops and rebuilds)."""
    with fresh_postgres("onething_notify") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine with the notify tables, empty: a SQLite file or the session's PostgreSQL."""
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'notify.db'}")
    else:
        engine = sa.create_engine(request.getfixturevalue("pg_url"))
    SQLModel.metadata.drop_all(engine, tables=NOTIFY_TABLES)
    SQLModel.metadata.create_all(engine, tables=NOTIFY_TABLES)
    yield engine
    engine.dispose()


@pytest.fixture
def session(db: sa.Engine) -> Iterator[Session]:
    with Session(db) as s:
        yield s


# --- an HTTP receiver --------------------------------------------------------------------------


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then 200) and keeps what came."""

    url: str
    script: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.script.extend((status, headers or {}) for status in statuses)

    @property
    def accepted(self) -> list[Request]:
        return [r for r in self.requests if r.status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                status, headers = state.script.popleft() if state.script else (200, {})
                state.requests.append(Request(dict(self.headers.items()), body, status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


# --- an SMTP server ------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """Keeps every mail that arrived; `refuse` scripts RCPT replies per address."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, deque[str]] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        replies = self.refuse.get(address)
        if replies:
            return replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()


def transports(
    *, smtp_port: int, environ: dict[str, str] | None = None
) -> dict[ChannelKind, Transport]:
    settings = SmtpSettings(
        host="127.0.0.1", port=smtp_port, sender="jiancha@example.gov.cn", timeout=2
    )
    return {
        ChannelKind.LOG: LogTransport(),
        ChannelKind.WEBHOOK: WebhookTransport(
            environ={SECRET_ENV: SECRET} if environ is None else environ, timeout=2
        ),
        ChannelKind.EMAIL: SmtpTransport(settings),
    }


@pytest.fixture
def notice() -> Notice:
    """A yellow warning on a ride-hailing step, due after the National Day holiday."""
    return Notice(
        notice_id="C-2026-0007:driver-review:yellow",
        kind=NoticeKind.YELLOW,
        case_id="C-2026-0007",
        workflow_title="网约车双证联办",
        department="市交通运输局",
        due_at=datetime(2026, 10, 13, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        step_id="driver-review",
        step_title="驾驶员证审核",
        remaining=WorkingTime(days=1, minutes=420),
        recipients=(Recipient("张三", "审查员"),),
    )


@pytest.fixture
def dispatcher(smtp: Mailbox) -> Dispatcher:
    """Sends to the loopback SMTP server and webhook receivers, with millisecond backoff."""
    return Dispatcher(transports=transports(smtp_port=smtp.port), policy=FAST)
