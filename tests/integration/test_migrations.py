"""From an empty database, the migrations build exactly the schema the models declare."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import engine.cases.tables
import engine.connectors.registry
import engine.notify.tables
import engine.registry.tables
import flows.tables
from engine.store import get_engine

MODULES = (
    engine.cases.tables,
    engine.connectors.registry,
    engine.notify.tables,
    engine.registry.tables,
    flows.tables,
)


def product_metadata() -> sa.MetaData:
    """The tables the product's modules declare (tests may declare tables of their own)."""
    names = {module.__name__ for module in MODULES}
    metadata = sa.MetaData()
    for mapper in SQLModel._sa_registry.mappers:
        if mapper.class_.__module__ in names:
            mapper.local_table.to_metadata(metadata)
    return metadata


def test_migrations_match_every_model(store_url: str) -> None:
    database = get_engine(store_url)  # migrates from nothing to head
    with database.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "compare_server_default": False}
        )
        differences = compare_metadata(context, product_metadata())
    assert differences == []
    names = set(sa.inspect(database).get_table_names())
    assert {"cases", "step_runs", "case_events", "escalations", "case_flow_runs"} <= names
