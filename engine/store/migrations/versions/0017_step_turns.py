"""step_runs: when each open step turns yellow and red (its ladder's marks on the calendar),
indexed for the overview's lights and week forecast (counted by ranges, not by reading cases)

Rows written before this revision hold no moments: `onething case recompute` fills them (the
ladder and the calendar live outside the database), and every write of a case does so too.

Revision ID: 0017_step_turns
Revises: 0016_case_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_step_turns"
down_revision = "0016_case_search"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)
INDEXES = {
    "ix_step_runs_lights": [
        *("department", "due_at", "yellow_at", "suspended"),
        *("case_id", "step_id", "attempt"),
    ],
    "ix_step_runs_turns_yellow": ["yellow_at", "department"],
    "ix_step_runs_turns_red": ["red_at", "department"],
}


def upgrade() -> None:
    op.add_column("step_runs", sa.Column("yellow_at", MOMENT, nullable=True))
    op.add_column("step_runs", sa.Column("red_at", MOMENT, nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(
            name,
            "step_runs",
            columns,
            postgresql_where=sa.text("is_open"),
            sqlite_where=sa.text("is_open"),
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="step_runs")
    op.drop_column("step_runs", "red_at")
    op.drop_column("step_runs", "yellow_at")
