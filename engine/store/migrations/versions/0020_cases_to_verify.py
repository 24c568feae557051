"""cases.to_verify: how many of a case's materials wait for the window to verify them (待核验:
their source did not answer at intake), with a partial index of the few cases that have one,
so a worklist finds the window's tasks without reading every case's snapshot

Revision ID: 0020_cases_to_verify
Revises: 0019_cases_unfilled
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0020_cases_to_verify"
down_revision = "0019_cases_unfilled"
branch_labels = None
depends_on = None

TO_VERIFY = "to-verify"  # MaterialStatus.TO_VERIFY, as the snapshots spell it


def upgrade() -> None:
    # plain ADD COLUMN (SQLite too): a batch copy would lose the partial indexes
    op.add_column("cases", sa.Column("to_verify", sa.Integer(), nullable=False, server_default="0"))
    waiting = sa.text("to_verify > 0")
    op.create_index(
        "ix_cases_to_verify",
        "cases",
        ["owner", "submitted_at"],
        postgresql_where=waiting,
        sqlite_where=waiting,
    )
    connection = op.get_bind()
    cases = sa.table("cases", sa.column("id"), sa.column("snapshot"), sa.column("to_verify"))
    found = connection.execute(
        sa.select(cases.c.id, cases.c.snapshot).where(cases.c.snapshot.contains(TO_VERIFY))
    ).all()
    for case_id, snapshot in found:
        materials = (json.loads(snapshot).get("materials") or {}).values()
        count = sum(isinstance(m, dict) and m.get("status") == TO_VERIFY for m in materials)
        if count:
            connection.execute(cases.update().where(cases.c.id == case_id).values(to_verify=count))


def downgrade() -> None:
    op.drop_index("ix_cases_to_verify", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("to_verify")
