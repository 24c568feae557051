"""case_events.prior and .state: the digests of the snapshot a write started from and left (so
verify checks the state against the log); audit_checkpoints: signed heads of every case's chain

Revision ID: 0008_audit_state
Revises: 0007_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_audit_state"
down_revision = "0007_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_events", sa.Column("prior", sa.String(length=64), nullable=True))
    op.add_column("case_events", sa.Column("state", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_checkpoints",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_column("case_events", "state")
    op.drop_column("case_events", "prior")
