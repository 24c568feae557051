"""roster_changes: the examiners' roster as an audited, hash-chained log of changes

Revision ID: 0013_roster
Revises: 0012_licences
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_roster"
down_revision = "0012_licences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_changes",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("examiner", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_roster_changes_department", "roster_changes", ["department"])


def downgrade() -> None:
    op.drop_table("roster_changes")
