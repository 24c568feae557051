"""escalation: the sweep's `next_escalation_at` index on steps and cases, and the levels fired

Revision ID: 0004_escalation
Revises: 0003_notify
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_escalation"
down_revision = "0003_notify"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("step_runs", sa.Column("next_escalation_at", MOMENT, nullable=True))
    op.create_index("ix_step_runs_next_escalation_at", "step_runs", ["next_escalation_at"])
    op.add_column("cases", sa.Column("next_escalation_at", MOMENT, nullable=True))
    op.create_index("ix_cases_next_escalation_at", "cases", ["next_escalation_at"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_key", sa.String(length=128), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=24), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("scheduled_at", MOMENT, nullable=False),
        sa.Column("fired_at", MOMENT, nullable=False),
        sa.Column("late_by_seconds", sa.Integer(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("notice_id", sa.String(length=200), nullable=False),
        sa.Column("recipients", sa.String(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", MOMENT, nullable=True),
        sa.Column("order_due", MOMENT, nullable=True),
        sa.Column("ordered_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clock_key", "level", name="uq_escalations_clock_level"),
    )
    op.create_index("ix_escalations_case_id", "escalations", ["case_id"])
    op.create_index("ix_escalations_fired_at", "escalations", ["fired_at"])


def downgrade() -> None:
    op.drop_index("ix_escalations_fired_at", table_name="escalations")
    op.drop_index("ix_escalations_case_id", table_name="escalations")
    op.drop_table("escalations")
    op.drop_index("ix_cases_next_escalation_at", table_name="cases")
    op.drop_column("cases", "next_escalation_at")
    op.drop_index("ix_step_runs_next_escalation_at", table_name="step_runs")
    op.drop_column("step_runs", "next_escalation_at")
