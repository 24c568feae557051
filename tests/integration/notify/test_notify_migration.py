"""The 0003_notify migration builds exactly the table the model declares, and takes it away."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlmodel import SQLModel

from engine.notify.tables import NOTIFY_TABLES

VERSIONS = Path(__file__).resolve().parents[3] / "engine" / "store" / "migrations" / "versions"


def load_migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "migration_0003_notify", VERSIONS / "0003_notify.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


migration = load_migration()


def run(engine: sa.Engine, step: str) -> None:
    with engine.begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            getattr(migration, step)()


def test_upgrade_matches_the_model_and_downgrade_removes_it(notify_db: sa.Engine) -> None:
    SQLModel.metadata.drop_all(notify_db, tables=NOTIFY_TABLES)
    run(notify_db, "upgrade")
    model = sa.MetaData()
    NOTIFY_TABLES[0].to_metadata(model)
    with notify_db.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, model) == []
    run(notify_db, "downgrade")
    assert "notify_delivery" not in sa.inspect(notify_db).get_table_names()


def test_revision_follows_the_cases_migration() -> None:
    assert migration.revision == "0003_notify"
    assert migration.down_revision == "0002_cases"
    assert '\nrevision = "0002_cases"\n' in (VERSIONS / "0002_cases.py").read_text(encoding="utf-8")
