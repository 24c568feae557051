"""The store: one SQLAlchemy engine per database URL, migrated by alembic on first use.

The URL comes from the settings (`ONETHING_DATABASE_URL`, else SQLite in `ONETHING_DATA_DIR`);
the bootstrap opens the store once per process.
"""

from __future__ import annotations

from engine.store.db import dispose_engines, get_engine, migrate

__all__ = ["dispose_engines", "get_engine", "migrate"]
