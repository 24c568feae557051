"""cases.statutory_due_at: the case's statutory deadline (法定时限) as last read, so that
`case recompute` reports it when a calendar change moves it

Revision ID: 0011_statutory_due
Revises: 0010_decision_reason
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_statutory_due"
down_revision = "0010_decision_reason"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("statutory_due_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "statutory_due_at")
