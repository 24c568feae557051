"""The connector runner against real things: the registry tables in a SQLite file, and an
HTTP endpoint on the loopback (answers, errors, timeouts, the idempotency header)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from engine.connectors import registry
from engine.connectors.runner import ConnectorError, call
from engine.definitions.model import Connector
from engine.store import dispose_engines, get_engine

BACKGROUND = Connector.parse("engine.connectors.background:check")
TRAFFIC = Connector.parse("engine.connectors.traffic_record:check")


def request(id_number: str, key: str = "C-1:background-check:1") -> dict[str, Any]:
    return {
        "key": key,
        "asked_at": "2026-12-01T10:05:00+08:00",
        "case": "C-1",
        "step": "background-check",
        "attempt": 1,
        "submitted_at": "2026-12-01T10:00:00+08:00",
        "applicant": {"name": "某", "id_number": id_number},
        "fields": {},
        "materials": {"id-card": "doc-1"},
    }


@pytest.fixture
def database(tmp_path: Path, definitions_dir: Path) -> Iterator[sa.Engine]:
    engine = get_engine(f"sqlite:///{tmp_path / 'registry.db'}")  # migrated like the service's
    registry.seed(engine, definitions=definitions_dir)
    yield engine
    dispose_engines()


def queries(database: sa.Engine) -> list[registry.RegistryQuery]:
    with Session(database) as session:
        return list(session.exec(select(registry.RegistryQuery)))


def test_the_background_check_reads_the_seeded_registry(database: sa.Engine) -> None:
    clean = asyncio.run(call(BACKGROUND, request("450202199001010015"), database=database))
    drunk = asyncio.run(
        call(BACKGROUND, request("450203199203030037", key="C-2:b:1"), database=database)
    )
    assert clean["ok"] is True and clean["findings"] == []
    assert drunk["ok"] is False and drunk["findings"] == ["有饮酒后驾驶记录"]


def test_the_traffic_record_counts_driving_years_to_the_application_date(
    database: sa.Engine,
) -> None:
    novice = asyncio.run(call(TRAFFIC, request("450205200011110057"), database=database))
    assert novice["ok"] is False and "驾龄不足3年" in novice["findings"][0]


def test_an_unknown_person_fails_the_check(database: sa.Engine) -> None:
    answer = asyncio.run(call(BACKGROUND, request("000000000000000000"), database=database))
    assert answer["ok"] is False and "无此人" in answer["findings"][0]


def test_a_repeated_key_is_answered_from_the_log_with_one_query(database: sa.Engine) -> None:
    first = asyncio.run(call(BACKGROUND, request("450202199001010015"), database=database))
    again = asyncio.run(call(BACKGROUND, request("450202199001010015"), database=database))
    assert first == again
    assert len(queries(database)) == 1


def test_the_registry_records_are_those_of_the_configured_definitions_folder(
    tmp_path: Path,
) -> None:
    """Another definitions folder (an installed service's, not the source tree's) brings its
    own records: only its one driver is known."""
    folder = tmp_path / "elsewhere" / "registries"
    folder.mkdir(parents=True)
    (folder / "drivers.yaml").write_text(
        'drivers:\n  - {id_number: "450299199909090093", name: 某某, licence_since: 2010-01-01}\n',
        encoding="utf-8",
    )
    engine = get_engine(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    try:
        assert registry.seed(engine, definitions=tmp_path / "elsewhere") == 1
        known = asyncio.run(call(BACKGROUND, request("450299199909090093"), database=engine))
        shipped = asyncio.run(
            call(BACKGROUND, request("450202199001010015", key="C-2:b:1"), database=engine)
        )
    finally:
        dispose_engines()
    assert known["ok"] is True
    assert shipped["ok"] is False and "无此人" in shipped["findings"][0]


class Endpoint(BaseHTTPRequestHandler):
    seen: list[tuple[str, dict[str, Any]]] = []
    released = threading.Event()  # `/slow` answers once the test is done with it (or after 30 s)

    def do_POST(self) -> None:  # noqa: N802  (the http.server name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Endpoint.seen.append((self.headers["Idempotency-Key"], body))
        if self.path == "/slow":
            Endpoint.released.wait(timeout=30)
        status, text = {
            "/ok": (200, json.dumps({"ok": True, "findings": [], "score": 92})),
            "/broken": (500, "boom"),
            "/not-json": (200, "<html>"),
            "/no-ok": (200, json.dumps({"passed": True})),
            "/slow": (200, json.dumps({"ok": True})),
        }[self.path]
        try:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(text.encode())
        except BrokenPipeError:  # the client gave up (the timeout test)
            pass

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_http_connector_gets_the_request_as_json_with_its_idempotency_key(
    endpoint: str,
) -> None:
    answer = asyncio.run(call(Connector.parse(f"{endpoint}/ok"), request("x")))
    assert answer == {"ok": True, "findings": [], "score": 92}
    key, body = Endpoint.seen[-1]
    assert key == "C-1:background-check:1" and body["applicant"]["id_number"] == "x"


@pytest.mark.parametrize(
    ("path", "message"),
    [("/broken", "HTTP 500"), ("/not-json", "not JSON"), ("/no-ok", 'no boolean "ok"')],
)
def test_a_bad_answer_is_a_connector_error(endpoint: str, path: str, message: str) -> None:
    with pytest.raises(ConnectorError, match=message):
        asyncio.run(call(Connector.parse(f"{endpoint}{path}"), request("x")))


def test_a_slow_endpoint_times_out_before_it_answers(endpoint: str) -> None:
    """The endpoint holds its answer until the call has given up: an answer that came first
    would be a success, not a ReadTimeout (benchmarks/bench_connectors.py times the bound)."""
    Endpoint.released.clear()
    try:
        with pytest.raises(ConnectorError, match="ReadTimeout"):
            asyncio.run(call(Connector.parse(f"{endpoint}/slow"), request("x"), timeout=0.3))
    finally:
        Endpoint.released.set()


def test_an_unreachable_endpoint_and_a_missing_callable_are_connector_errors() -> None:
    with pytest.raises(ConnectorError, match="ConnectError"):
        asyncio.run(call(Connector.parse("http://127.0.0.1:9/"), request("x"), timeout=1))
    with pytest.raises(ConnectorError, match="cannot import"):
        asyncio.run(call(Connector.parse("engine.connectors.nothing:check"), request("x")))
