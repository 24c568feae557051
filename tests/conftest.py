"""Fixtures every test tree may use: the repository's definitions and calendars, fresh stores,
and (from `tests.fixtures.loopback`) an SMTP server and an HTTP receiver on the loopback.

`store_url` runs a test on a fresh SQLite file and on a fresh PostgreSQL database (one per
test session, created on the local server and dropped at the end; a failure if unreachable);
`db` is an engine on either with the product's tables created and empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

import engine.cases.tables  # noqa: F401  (registers the case tables for `db`)
from engine.calendar import CalendarSet, WorkingCalendar, load_calendars
from engine.store import dispose_engines
from tests.fixtures.definitions import CALENDARS, DEFINITIONS
from tests.fixtures.stores import fresh_postgres

pytest_plugins = ["tests.fixtures.loopback"]


@pytest.fixture(scope="session")
def definitions_dir() -> Path:
    """The repository's `definitions/` folder."""
    return DEFINITIONS


@pytest.fixture(scope="session")
def calendars() -> CalendarSet:
    """The calendars of `definitions/calendars/`."""
    return load_calendars(CALENDARS)


@pytest.fixture(scope="session")
def cn(calendars: CalendarSet) -> WorkingCalendar:
    """The national calendar (State Council holiday notices)."""
    return calendars.get("cn")


@pytest.fixture(scope="session")
def gx(calendars: CalendarSet) -> WorkingCalendar:
    """Guangxi: the national calendar with the region's own days."""
    return calendars.get("gx")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the session (SQLAlchemy URL), dropped at its end."""
    with fresh_postgres("onething_test") as url:
        yield url


def _empty_postgres(url: str) -> None:
    """Drop every table of the session database so the next test migrates from nothing."""
    dispose_engines()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL: a new SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_server_url")
        _empty_postgres(url)
        yield url
    dispose_engines()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine with the tables created and empty: a SQLite file or the session's PostgreSQL."""
    if request.param == "sqlite":
        engine = sa.create_engine(
            f"sqlite:///{tmp_path / 'cases.db'}", connect_args={"timeout": 30}
        )
    else:
        engine = sa.create_engine(request.getfixturevalue("postgres_server_url"), pool_size=10)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
