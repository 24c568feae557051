"""The 0003_notify migration builds exactly the table the model declares, and takes it away."""

from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlmodel import SQLModel

from engine.notify.tables import NotifyDelivery

migration = importlib.import_module("engine.notify.migration_0003_notify")


def run(engine: sa.Engine, step: str) -> None:
    with engine.begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            getattr(migration, step)()


def test_upgrade_matches_the_model_and_downgrade_removes_it(db: sa.Engine) -> None:
    tables = [NotifyDelivery.__table__]  # type: ignore[list-item]
    SQLModel.metadata.drop_all(db, tables=tables)
    run(db, "upgrade")
    model = sa.MetaData()
    NotifyDelivery.__table__.to_metadata(model)  # type: ignore[attr-defined]
    with db.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, model) == []
    run(db, "downgrade")
    assert "notify_delivery" not in sa.inspect(db).get_table_names()


@pytest.mark.parametrize("name", ["revision", "down_revision"])
def test_revision_chain(name: str) -> None:
    assert (
        getattr(migration, name) == {"revision": "0003_notify", "down_revision": "0002_cases"}[name]
    )
