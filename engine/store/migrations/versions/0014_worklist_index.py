"""step_runs: a department's open steps by due time (the worklist, most urgent first), a
partial index so that a worklist among 100,000 open cases is read in order, not sorted

Revision ID: 0014_worklist_index
Revises: 0013_roster
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_worklist_index"
down_revision = "0013_roster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_step_runs_worklist",
        "step_runs",
        ["department", "due_at", "case_id"],
        postgresql_where=sa.text("is_open"),
        sqlite_where=sa.text("is_open"),
    )


def downgrade() -> None:
    op.drop_index("ix_step_runs_worklist", table_name="step_runs")
