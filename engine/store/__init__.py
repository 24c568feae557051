"""The store: one SQLAlchemy engine per database URL, migrated by alembic on first use.

`ONETHING_DATABASE_URL` names the database (PostgreSQL in production); without it the store is
a SQLite file in `ONETHING_DATA_DIR` (default `.onething/` in the working directory).
"""

from __future__ import annotations

from engine.store.db import (
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    data_dir,
    database_url,
    dispose_engines,
    get_engine,
    migrate,
    session,
)

__all__ = [
    "DATABASE_URL_ENV",
    "DATA_DIR_ENV",
    "data_dir",
    "database_url",
    "dispose_engines",
    "get_engine",
    "migrate",
    "session",
]
