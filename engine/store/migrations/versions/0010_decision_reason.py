"""negative_matters.decision_reason: the leader's reason for a decision on a negative matter
(否定事项报备), required when the leader overturns the officer's refusal

Revision ID: 0010_decision_reason
Revises: 0009_command_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_decision_reason"
down_revision = "0009_command_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "negative_matters",
        sa.Column("decision_reason", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("negative_matters", "decision_reason")
