"""The supervision scene's own local mailbox (an aiosmtpd SMTP server) and webhook receiver
(an HTTP server in a thread) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    """An aiosmtpd handler that keeps every mail."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"


@dataclass(frozen=True)
class Request:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server in a thread that answers every POST with 200 and keeps it."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        lock = threading.Lock()
        kept = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    kept.append(Request(dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def listening() -> Iterator[tuple[Mailbox, int, Receiver]]:
    """The SMTP server and the HTTP receiver, both stopped on the way out, whatever happens."""
    mailbox, port = Mailbox(), _free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    receiver = Receiver()
    smtp.start()
    try:
        receiver.start()
        try:
            yield mailbox, port, receiver
        finally:
            receiver.stop()
    finally:
        smtp.stop()
