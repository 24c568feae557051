"""flows: which Prefect flow run carries each case, and the sample registries the shipped
connectors read (driver records and the log of their queries)

Revision ID: 0005_flows
Revises: 0004_escalation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_flows"
down_revision = "0004_escalation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_flow_runs",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("flow_run_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "registry_drivers",
        sa.Column("id_number", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("licence_since", sa.Date(), nullable=False),
        sa.Column("accident_crime", sa.Boolean(), nullable=False),
        sa.Column("dangerous_driving", sa.Boolean(), nullable=False),
        sa.Column("violent_crime", sa.Boolean(), nullable=False),
        sa.Column("drug_record", sa.Boolean(), nullable=False),
        sa.Column("drink_driving", sa.Boolean(), nullable=False),
        sa.Column("full_score_cycles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id_number"),
    )
    op.create_table(
        "registry_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("check", sa.String(), nullable=False),
        sa.Column("id_number", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_registry_queries_key"), "registry_queries", ["key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_registry_queries_key"), table_name="registry_queries")
    op.drop_table("registry_queries")
    op.drop_table("registry_drivers")
    op.drop_table("case_flow_runs")
