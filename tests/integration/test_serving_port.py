"""`onething serve` checks that the embedded Prefect server's port is free before starting it:
a server listening there is refused in one line; the TIME-WAIT connections a server just
stopped leaves behind are not (a restart right after a stop goes on)."""

from __future__ import annotations

import socket
import time

import pytest

from engine.errors import ServiceError
from flows.serving import check_port_free


def listening() -> socket.socket:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def test_a_port_a_server_listens_on_is_refused_in_one_line() -> None:
    with listening() as server:
        port = server.getsockname()[1]
        with pytest.raises(ServiceError, match=f"port {port} on 127.0.0.1 is in use"):
            check_port_free(port)


def test_a_port_left_in_time_wait_by_a_stopped_server_is_free() -> None:
    server = listening()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server closes first: its end of the connection waits (TIME-WAIT)
    client.recv(1)
    client.close()
    server.close()
    time.sleep(0.05)
    check_port_free(port)  # no error: a restart right after a stop binds
