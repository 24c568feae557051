"""From an empty database, the migrations build exactly the schema the models declare."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import engine.cases.tables
import engine.connectors.registry
import engine.draw.book
import engine.licences.tables
import engine.notify.tables
import engine.registry.tables
import flows.tables
from engine.store import get_engine, migrate

MODULES = (
    engine.cases.tables,
    engine.connectors.registry,
    engine.draw.book,
    engine.licences.tables,
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
            table = mapper.local_table
            assert isinstance(table, sa.Table)
            table.to_metadata(metadata)
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
    if database.dialect.name == "postgresql":  # snapshots compressed with lz4, not pglz
        with database.connect() as connection:
            method = connection.execute(
                sa.text(
                    "SELECT attcompression FROM pg_attribute "
                    "WHERE attrelid = 'cases'::regclass AND attname = 'snapshot'"
                )
            ).scalar_one()
        assert method == "l"


def test_upgrading_marks_the_cases_that_have_escalations(store_url: str) -> None:
    database = sa.create_engine(store_url)
    migrate(database, to="0005_flows")
    now = "2026-12-01 10:00:00+00:00"
    with database.begin() as connection:
        for case_id in ("c-escalated", "c-quiet"):
            connection.execute(
                sa.text(
                    "INSERT INTO cases (id, workflow_id, workflow_version, status, snapshot, "
                    "version, event_count, last_hash, submitted_at, updated_at) VALUES "
                    "(:id, 'w', 1, 'in-progress', '{}', 1, 0, '0', :now, :now)"
                ),
                {"id": case_id, "now": now},
            )
        connection.execute(
            sa.text(
                "INSERT INTO escalations (clock_key, case_id, attempt, level, department, "
                "scheduled_at, fired_at, provisional, notice_id, recipients) VALUES "
                "('c-escalated:case', 'c-escalated', 0, 'yellow', 'bureau', :now, :now, "
                "false, 'n1', '[]')"
            ),
            {"now": now},
        )
    migrate(database)
    with database.connect() as connection:
        marked: dict[str, bool] = dict(
            connection.execute(sa.text("SELECT id, escalated FROM cases")).all()
        )
    assert marked == {"c-escalated": True, "c-quiet": False}
    database.dispose()


def test_upgrading_lists_the_inspections_already_drawn(store_url: str) -> None:
    database = sa.create_engine(store_url)
    migrate(database, to="0020_cases_to_verify")
    now = "2026-12-01 10:00:00+00:00"
    with database.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO cases (id, workflow_id, workflow_version, status, snapshot, "
                "version, event_count, last_hash, submitted_at, updated_at) VALUES "
                "('c-drawn', 'w', 1, 'in-progress', '{}', 1, 2, '0', :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text(
                "INSERT INTO step_runs (case_id, step_id, department, status, is_open, "
                "attempt, suspended) VALUES "
                "('c-drawn', 'site-inspection', 'approval-bureau', 'active', true, 1, false)"
            )
        )
        for seq, at in ((1, "2026-12-01T18:00:00+08:00"), (2, "2026-12-02T09:30:00+08:00")):
            connection.execute(
                sa.text(
                    "INSERT INTO case_events (case_id, seq, kind, actor, at, data, prev_hash, "
                    "hash) VALUES ('c-drawn', :seq, 'draw.eligible', 'system', :at, :data, "
                    "'0', '0')"
                ),
                {"seq": seq, "at": at, "data": '{"round":1,"step":"site-inspection"}'},
            )
    migrate(database)
    with database.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT case_id, step_id, department, drawn_at FROM draws").columns(
                drawn_at=sa.DateTime(timezone=True)
            )
        ).all()
    assert [tuple(r[:3]) for r in rows] == [("c-drawn", "site-inspection", "approval-bureau")]
    drawn_at = rows[0][3]
    if drawn_at.tzinfo is None:  # SQLite hands moments back naive, in UTC
        drawn_at = drawn_at.replace(tzinfo=dt.UTC)
    assert drawn_at == dt.datetime(2026, 12, 2, 1, 30, tzinfo=dt.UTC)  # the last draw's
    database.dispose()
