"""cases: a partial index of the rows without their case clock's department, so the start's
fill of the moments (`CaseService.fill_moments`) finds the few left in an index of them
instead of reading every case

Revision ID: 0019_cases_unfilled
Revises: 0018_case_turns
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_cases_unfilled"
down_revision = "0018_case_turns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    unfilled = sa.text("owner IS NULL")
    op.create_index(
        "ix_cases_unfilled", "cases", ["id"], postgresql_where=unfilled, sqlite_where=unfilled
    )


def downgrade() -> None:
    op.drop_index("ix_cases_unfilled", table_name="cases")
