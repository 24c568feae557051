"""notify: delivery records of notifications (dedupe and dead letters)

Revision ID: 0003_notify
Revises: 0002_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_notify"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("notice_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("secret_env", sa.String(length=255), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("notice", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("delivery_id", name="uq_notify_delivery_delivery_id"),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'dead')", name="ck_notify_delivery_status"
        ),
    )
    op.create_index("ix_notify_delivery_notice_id", "notify_delivery", ["notice_id"])
    op.create_index("ix_notify_delivery_status", "notify_delivery", ["status"])


def downgrade() -> None:
    op.drop_index("ix_notify_delivery_status", table_name="notify_delivery")
    op.drop_index("ix_notify_delivery_notice_id", table_name="notify_delivery")
    op.drop_table("notify_delivery")
