"""Migration 0004 adds exactly what the models declare, and takes it away again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from engine.cases.tables import CaseRow, EscalationRow, StepRow
from engine.store.db import MIGRATIONS, migrate

ESCALATION_COLUMNS = {("cases", "next_escalation_at"), ("step_runs", "next_escalation_at")}


def test_upgrade_matches_the_models_and_downgrade_removes_them(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    migrate(engine)
    model = sa.MetaData()
    for table in (CaseRow, StepRow, EscalationRow):
        SQLModel.metadata.tables[table.__tablename__].to_metadata(model)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diffs = compare_metadata(context, model)
    ours = [d for d in diffs if _touches_escalation(d)]
    assert ours == []
    inspector = sa.inspect(engine)
    assert "uq_escalations_clock_level" in {
        c["name"] for c in inspector.get_unique_constraints("escalations")
    }
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0003_notify")
    inspector = sa.inspect(engine)
    assert "escalations" not in inspector.get_table_names()
    assert "next_escalation_at" not in {c["name"] for c in inspector.get_columns("step_runs")}
    engine.dispose()


def _touches_escalation(diff: object) -> bool:
    text = repr(diff)
    return "escalation" in text
