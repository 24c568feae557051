"""Database URL, cached engines and automatic migrations (the store's adapter side)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Connections kept open for reuse: as many as the API's worker threads commonly run at once.
# A connection beyond them is opened for one request and closed after it (a new PostgreSQL
# backend each time, a few milliseconds); opened lazily, so a CLI command still opens one.
POOL = {"pool_size": 20, "max_overflow": 20}
_PG_MIGRATION_LOCK = 0x0E7E_1A9  # any fixed number: one migrating process at a time

_engines: dict[str, sa.Engine] = {}
_lock = threading.Lock()


def get_engine(url: str) -> sa.Engine:
    """The engine for `url`, created and migrated once per process."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create(url)
            migrate(engine)
            _engines[url] = engine
        return engine


def _create(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **POOL)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # JIT compilation pays off for long analytical queries only: the overview's aggregates
    # over 100,000 open cases cost PostgreSQL's planner enough to trigger it, and compiling
    # took longer (~1 s) than running them (~0.1 s)
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}, **POOL)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the one writer; NORMAL syncs at checkpoints, not each commit
    (a power cut may lose the last commits, never corrupt the file)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def migrate(engine: sa.Engine, *, to: str = "head") -> None:
    """Apply every pending migration (`engine/store/migrations/versions/`), up to `to`."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
            )
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, to)


def dispose_engines() -> None:
    """Close every cached engine (tests dropping their databases call this first)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
