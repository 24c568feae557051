"""Hostile input on the command line, on SQLite and PostgreSQL: each is refused in one line with
exit status 2, and the database is exactly as it was (every table, every row).

Each case here was a traceback, a hang or a database error before (found by hand and by the
fuzz suite); the name says what it was.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.licences import licensed_store
from tests.fixtures.stores import fresh_postgres

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "definitions" / "workflows" / "utility-external-works.yaml"
SAMPLE = ROOT / "definitions" / "samples" / "utility-external-works-long.json"
DEEP = "[" * 100_000 + "]" * 100_000


class Store:
    """A prepared store (a workflow, an officer, a case) and a way to run `onething` on it."""

    def __init__(self, url: str, folder: Path):
        self.url, self.folder = url, folder
        self.env = {
            **os.environ,
            "ONETHING_DATABASE_URL": url,
            "ONETHING_DATA_DIR": str(folder / "data"),
            "ONETHING_DEFINITIONS": str(ROOT / "definitions"),
        }
        for name in ("ONETHING_SERVICE_FACTORY", "PREFECT_API_URL", "ONETHING_AUDIT_KEY"):
            self.env.pop(name, None)
        self.case_id = ""

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "engine.cli.main", *args],
            capture_output=True,
            text=True,
            cwd=self.folder,
            env=self.env,
            timeout=60,
        )

    def fingerprint(self) -> str:
        """A digest of every row of every table."""
        engine = sa.create_engine(self.url)
        digest = hashlib.sha256()
        try:
            metadata = sa.MetaData()
            metadata.reflect(engine)
            with engine.connect() as connection:
                for table in sorted(metadata.tables.values(), key=lambda t: t.name):
                    rows = connection.execute(sa.select(table)).all()
                    digest.update(f"{table.name}{sorted(map(repr, rows))}".encode())
        finally:
            engine.dispose()
        return digest.hexdigest()


def _files(folder: Path) -> None:
    (folder / "deep.json").write_text('{"fields": ' + DEEP + "}")
    (folder / "latin1.json").write_bytes('{"applicant": {"name": "Müller"}}'.encode("latin-1"))
    (folder / "nan.json").write_text('{"fields": {"length_m": NaN}}')
    (folder / "infinity.json").write_text('{"fields": {"length_m": -Infinity}}')
    (folder / "deep.jsonl").write_text(DEEP + "\n")
    (folder / "latin1.jsonl").write_bytes(
        b'{"case": "x", "action": "accept", "actor": "w\xe4ng"}\n'
    )
    (folder / "list-key.jsonl").write_text(
        '{"case": "x", "action": "accept", "actor": "wang", "key": ["k"]}\n'
    )
    (folder / "dict-step.jsonl").write_text(
        '{"case": "x", "step": {"a": 1}, "action": "approve", "actor": "wang"}\n'
    )
    (folder / "nul-case.jsonl").write_text(
        '{"case": "x\\u0000y", "action": "accept", "actor": "wang"}\n'
    )
    (folder / "nul-actor.jsonl").write_text(
        '{"case": "x", "action": "accept", "actor": "wa\\u0000ng"}\n'
    )
    (folder / "system.jsonl").write_text(
        '{"case": "x", "action": "terminate", "actor": "system"}\n'
    )
    (folder / "long-reason.jsonl").write_text(
        '{"case": "x", "action": "withdraw", "actor": "applicant", "reason": "'
        + "很" * 5000
        + '"}\n'
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp(request.param)
    _files(folder)

    def prepared(url: str) -> Store:
        made = Store(url, folder)
        for args in (
            ("definitions", "register", str(WORKFLOW)),
            ("users", "add", "wang", "--role", "window", "--department", "approval-bureau"),
        ):
            assert made.run(*args).returncode == 0
        licensed_store(url)
        submitted = made.run("case", "submit", "utility-external-works", "--data", str(SAMPLE))
        assert submitted.returncode == 0, submitted.stderr
        made.case_id = submitted.stdout.strip()
        return made

    if request.param == "sqlite":
        yield prepared(f"sqlite:///{folder / 'store.db'}")
    else:
        with fresh_postgres("onething_hostile") as url:
            yield prepared(url)


CASE = "{case}"  # replaced by the prepared case's id
HOSTILE = {
    "calendar_add_a_billion_natural_days": (
        ["calendar", "add", "2026-01-01", "1000000000", "--unit", "natural-days"],
        "the result lies beyond calendar",
    ),
    "calendar_add_unicode_digit": (["calendar", "add", "2026-01-01", "²"], "whole number"),
    "calendar_show_unicode_year": (["calendar", "show", "²⁰²⁶"], "not a year"),
    "calendar_show_year_0000": (["calendar", "show", "0000"], "not a year: '0000'"),
    "calendar_add_from_9999": (["calendar", "add", "9999-12-31", "1"], "is outside calendar"),
    "escalations_order_month_13": (
        ["escalations", "order", "1", "--due", "2026-13-45", "--by", "wang"],
        "not a date or time: '2026-13-45'",
    ),
    "escalations_ack_past_int32": (
        ["escalations", "ack", "2147483648", "--by", "wang"],
        "no escalation 2147483648",
    ),
    "sweep_at_year_1": (["sweep", "--at", "0001-01-01T00:00"], "is outside calendar"),
    "sweep_beyond_the_calendar": (
        ["sweep", "--at", "2099-01-01T00:00", "--dry-run"],
        "2099-01-01 is outside calendar",
    ),
    "submit_deeply_nested_json": (
        ["case", "submit", "utility-external-works", "--data", "deep.json"],
        "nested deeper than 32 levels",
    ),
    "submit_not_utf8": (
        ["case", "submit", "utility-external-works", "--data", "latin1.json"],
        "latin1.json: not UTF-8 text",
    ),
    "submit_nan": (
        ["case", "submit", "utility-external-works", "--data", "nan.json"],
        "field 'length_m' should be a finite number, not nan",
    ),
    "submit_infinity": (
        ["case", "submit", "utility-external-works", "--data", "infinity.json"],
        "field 'length_m' should be a finite number, not -inf",
    ),
    "materials_deeply_nested": (
        [
            "case",
            "act",
            CASE,
            "-",
            "supplement",
            "--actor",
            "applicant",
            "--materials",
            "[" * 50_000 + "]" * 50_000,
        ],
        "--materials: nested deeper than 32 levels",
    ),
    "batch_deeply_nested_line": (["case", "act-batch", "deep.jsonl"], "deep.jsonl:1: nested"),
    "batch_not_utf8": (["case", "act-batch", "latin1.jsonl"], "not UTF-8 text"),
    "batch_list_key": (["case", "act-batch", "list-key.jsonl"], "'key' is text, not list"),
    "batch_dict_step": (["case", "act-batch", "dict-step.jsonl"], "'step' is text, not dict"),
    "batch_nul_in_case_id": (["case", "act-batch", "nul-case.jsonl"], "control character"),
    "batch_nul_in_actor": (["case", "act-batch", "nul-actor.jsonl"], "control character"),
    "batch_as_system": (["case", "act-batch", "system.jsonl"], "the engine's own actor"),
    "batch_reason_past_4000_characters": (
        ["case", "act-batch", "long-reason.jsonl"],
        "longer than 4000 characters",
    ),
    "user_name_past_64_characters": (
        ["users", "add", "u" * 65, "--role", "window", "--department", "approval-bureau"],
        "the user is longer than 64 characters",
    ),
    "user_named_system": (
        ["users", "add", "system", "--role", "window", "--department", "approval-bureau"],
        "reserved actor",
    ),
    "act_as_system": (
        ["case", "act", CASE, "-", "terminate", "--actor", "system", "--reason", "x"],
        "'system' is the engine's own actor",
    ),
    "case_id_past_40_characters": (
        ["case", "act", "c" * 41, "-", "accept", "--actor", "wang"],
        "the case is longer than 40 characters",
    ),
    "show_case_id_past_40_characters": (["case", "show", "c" * 41], "longer than 40"),
    "key_past_128_characters": (
        ["case", "act", CASE, "-", "accept", "--actor", "wang", "--key", "k" * 129],
        "the key is longer than 128 characters",
    ),
    "reason_with_a_control_character": (
        ["case", "act", CASE, "-", "refuse", "--actor", "wang", "--reason", "bad\x1bx"],
        "control character",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_refused_in_one_line_and_nothing_changed(store: Store, name: str) -> None:
    args, message = HOSTILE[name]
    before = store.fingerprint()
    result = store.run(*[a.replace(CASE, store.case_id) for a in args])
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("onething: ") and "Traceback" not in result.stderr
    assert len(lines) == 1 or name.startswith("submit_"), lines  # an intake: one per problem
    assert message in result.stderr
    assert store.fingerprint() == before
