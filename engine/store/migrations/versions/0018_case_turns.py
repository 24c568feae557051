"""cases and negative_matters: when the case's own clock (promised, or Art. 32's acceptance
clock) and a negative matter's decision clock turn yellow and red, and the case clock's
department, so the overview's week forecast counts them by ranges as it counts the steps; the
forecast's indexes hold what it reads (in its order, counted without the tables)

Rows written before this revision hold none: the service fills the open cases' at start
(`CaseService.fill_moments`, called by `engine.bootstrap`), as it does the step rows'.

Revision ID: 0018_case_turns
Revises: 0017_step_turns
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018_case_turns"
down_revision = "0017_step_turns"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)
LEVELS = ("yellow", "red")
OPEN: dict[str, Any] = {"postgresql_where": sa.text("is_open"), "sqlite_where": sa.text("is_open")}


def upgrade() -> None:
    op.add_column("cases", sa.Column("owner", sa.String(64), nullable=True))
    for table in ("cases", "negative_matters"):
        op.add_column(table, sa.Column("yellow_at", MOMENT, nullable=True))
        op.add_column(table, sa.Column("red_at", MOMENT, nullable=True))
    for level in LEVELS:
        op.create_index(
            f"ix_cases_turns_{level}",
            "cases",
            [f"{level}_at", "id", "owner", "status", "workflow_id"],
        )
        op.drop_index(f"ix_step_runs_turns_{level}", table_name="step_runs")
        op.create_index(
            f"ix_step_runs_turns_{level}",
            "step_runs",
            [f"{level}_at", "case_id", "step_id", "department", "attempt"],
            **OPEN,
        )


def downgrade() -> None:
    for level in LEVELS:
        op.drop_index(f"ix_step_runs_turns_{level}", table_name="step_runs")
        op.create_index(
            f"ix_step_runs_turns_{level}", "step_runs", [f"{level}_at", "department"], **OPEN
        )
        op.drop_index(f"ix_cases_turns_{level}", table_name="cases")
    for table in ("negative_matters", "cases"):
        op.drop_column(table, "red_at")
        op.drop_column(table, "yellow_at")
    op.drop_column("cases", "owner")
