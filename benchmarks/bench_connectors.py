"""How soon an HTTP connector gives up on a registry that does not answer.

A loopback endpoint holds every answer until the benchmark ends; each call has a timeout of
0.1, 0.3 or 1 s and must fail with a ReadTimeout. Prints, per timeout, the median and the
longest time from the call to its ConnectorError, and the longest overshoot past the timeout
(`--json` for a machine-readable line). Target: the overshoot under 0.9 s (the slow-endpoint
test calls with 0.3 s and a check step has to fail over well inside its working-day limit).

    .venv/bin/python benchmarks/bench_connectors.py [--calls 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.connectors.runner import ConnectorError, call  # noqa: E402
from engine.definitions.model import Connector  # noqa: E402

TIMEOUTS = (0.1, 0.3, 1.0)
RELEASED = threading.Event()
REQUEST = {
    "key": "B-1:background-check:1",
    "asked_at": "2026-12-01T10:05:00+08:00",
    "case": "B-1",
    "step": "background-check",
    "attempt": 1,
    "submitted_at": "2026-12-01T10:00:00+08:00",
    "applicant": {"name": "某", "id_number": "450202199001010015"},
    "fields": {},
    "materials": {},
}


class Silent(BaseHTTPRequestHandler):
    """Reads the request, then answers only when the benchmark is over."""

    def do_POST(self) -> None:  # noqa: N802  (the http.server name)
        self.rfile.read(int(self.headers["Content-Length"]))
        RELEASED.wait(timeout=60)
        try:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"ok": true}')
        except BrokenPipeError:  # the connector gave up long ago
            pass

    def log_message(self, *args: Any) -> None:
        pass


def give_up_seconds(url: str, timeout: float) -> float:
    """Seconds from the call to its ConnectorError."""
    began = time.perf_counter()
    try:
        asyncio.run(call(Connector.parse(url), REQUEST, timeout=timeout))
    except ConnectorError as exc:
        if "ReadTimeout" not in str(exc):
            raise
        return time.perf_counter() - began
    raise SystemExit(f"the silent endpoint answered within {timeout:g} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10, help="calls per timeout")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/silent"
    results: dict[str, dict[str, float]] = {}
    try:
        for timeout in TIMEOUTS:
            seconds = [give_up_seconds(url, timeout) for _ in range(args.calls)]
            results[f"{timeout:g}"] = {
                "p50_s": round(statistics.median(seconds), 3),
                "max_s": round(max(seconds), 3),
                "max_overshoot_s": round(max(seconds) - timeout, 3),
            }
    finally:
        RELEASED.set()
        server.shutdown()
    if args.json:
        print(json.dumps({"calls": args.calls, "timeouts": results}))
        return
    for label, figures in results.items():
        print(
            f"timeout {label} s: gave up after p50 {figures['p50_s']:.3f} s, "
            f"max {figures['max_s']:.3f} s (overshoot {figures['max_overshoot_s']:.3f} s, "
            f"{args.calls} calls)"
        )


if __name__ == "__main__":
    main()
