"""Fixtures every test tree may use: the repository's definitions and fresh stores.

`store_url` runs a test on a fresh SQLite file and on a fresh PostgreSQL database (one per
test session, created on the local server and dropped at the end; a failure if unreachable).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFINITIONS = ROOT / "definitions"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def definitions_dir() -> Path:
    """The repository's `definitions/` folder."""
    return DEFINITIONS


@contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database (SQLAlchemy URL) for as long as the block runs, then dropped."""
    import psycopg

    from engine.store import dispose_engines

    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL not reachable (.ci/run starts it): {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        dispose_engines()
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the session (SQLAlchemy URL), dropped at its end."""
    with fresh_postgres("onething_test") as url:
        yield url


def _empty_postgres(url: str) -> None:
    """Drop every table of the session database so the next test migrates from nothing."""
    import sqlalchemy as sa

    from engine.store import dispose_engines

    dispose_engines()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL: a new SQLite file, or the session's PostgreSQL database emptied."""
    from engine.store import dispose_engines

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_server_url")
        _empty_postgres(url)
        yield url
    dispose_engines()
