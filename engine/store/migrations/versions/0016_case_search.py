"""cases.applicant_name (a listing finds a case by its applicant) and step_runs.assignee (an
officer's worklist holds the steps transferred to them), both filled from the snapshots

Revision ID: 0016_case_search
Revises: 0015_user_roles
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0016_case_search"
down_revision = "0015_user_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (SQLite too): a batch copy would lose the worklist's partial index
    op.add_column("cases", sa.Column("applicant_name", sa.String(length=255), nullable=True))
    op.add_column("step_runs", sa.Column("assignee", sa.String(length=64), nullable=True))
    op.create_index("ix_step_runs_assignee", "step_runs", ["assignee"])
    connection = op.get_bind()
    cases = sa.table("cases", sa.column("id"), sa.column("snapshot"), sa.column("applicant_name"))
    steps = sa.table("step_runs", sa.column("case_id"), sa.column("step_id"), sa.column("assignee"))
    for case_id, snapshot in connection.execute(sa.select(cases.c.id, cases.c.snapshot)).all():
        state = json.loads(snapshot)
        name = (state.get("applicant") or {}).get("name")
        if name not in (None, ""):
            connection.execute(
                cases.update().where(cases.c.id == case_id).values(applicant_name=str(name)[:255])
            )
        for run in state.get("steps") or []:  # a list, in the definition's order
            if run.get("assignee"):
                connection.execute(
                    steps.update()
                    .where(steps.c.case_id == case_id, steps.c.step_id == run["step_id"])
                    .values(assignee=run["assignee"])
                )


def downgrade() -> None:
    op.drop_index("ix_step_runs_assignee", table_name="step_runs")
    with op.batch_alter_table("step_runs") as batch:
        batch.drop_column("assignee")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("applicant_name")
