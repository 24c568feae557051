"""The API served by uvicorn in a thread of this process, on a socket bound before it starts
(a port in use is one line at start, and a client may connect at once)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from engine.errors import ServiceError


@contextmanager
def serving(app: FastAPI, *, host: str = "127.0.0.1", port: int = 8000) -> Iterator[str]:
    """Serve `app` for as long as the block runs; yields its base URL (`port` 0: any free)."""
    listening = socket.socket()
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError:
        listening.close()
        raise ServiceError(
            f"port {port} on {host} is in use (another `onething serve`?): stop it or choose "
            "another with --api-port"
        ) from None
    listening.listen(256)  # connections wait in the backlog until the server accepts them
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening]}, name="onething-api", daemon=True
    )
    thread.start()
    try:
        yield f"http://{host}:{listening.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()
