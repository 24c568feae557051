"""cases.escalated: whether any level has fired on a case's clocks, so that a command reads
the escalation history only of the cases that have one

Revision ID: 0006_escalated
Revises: 0005_flows
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_escalated"
down_revision = "0005_flows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        "UPDATE cases SET escalated = TRUE WHERE id IN (SELECT DISTINCT case_id FROM escalations)"
    )


def downgrade() -> None:
    op.drop_column("cases", "escalated")
