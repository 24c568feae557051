"""draws: each inspection step drawn for, with its department and when it was last drawn, so
the list of draws is read a page at a time from an index (a department's, newest first)
instead of from every draw event and case; filled from the draw events already logged

Revision ID: 0021_draws
Revises: 0020_cases_to_verify
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0021_draws"
down_revision = "0020_cases_to_verify"
branch_labels = None
depends_on = None

DRAWN = "draw.eligible"  # the first event of every draw, failed too


def upgrade() -> None:
    draws = op.create_table(
        "draws",
        sa.Column("case_id", sa.String(length=40), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "step_id"),
    )
    op.create_index(
        "ix_draws_department_drawn", "draws", ["department", "drawn_at", "case_id", "step_id"]
    )
    op.create_index("ix_draws_drawn", "draws", ["drawn_at", "case_id", "step_id"])
    connection = op.get_bind()
    events = sa.table(
        "case_events",
        sa.column("id"),
        sa.column("case_id"),
        sa.column("kind"),
        sa.column("at"),
        sa.column("data"),
    )
    steps = sa.table(
        "step_runs", sa.column("case_id"), sa.column("step_id"), sa.column("department")
    )
    departments = {
        (case_id, step_id): department
        for case_id, step_id, department in connection.execute(
            sa.select(steps.c.case_id, steps.c.step_id, steps.c.department)
        )
    }
    drawn: dict[tuple[str, str], dt.datetime] = {}
    for case_id, at, data in connection.execute(
        sa.select(events.c.case_id, events.c.at, events.c.data)
        .where(events.c.kind == DRAWN)
        .order_by(events.c.id)
    ):
        drawn[case_id, json.loads(data)["step"]] = dt.datetime.fromisoformat(at).astimezone(dt.UTC)
    rows = [
        {
            "case_id": case_id,
            "step_id": step_id,
            "department": departments[case_id, step_id],
            "drawn_at": at,
        }
        for (case_id, step_id), at in drawn.items()
        if (case_id, step_id) in departments
    ]
    if rows:
        op.bulk_insert(draws, rows)


def downgrade() -> None:
    op.drop_index("ix_draws_drawn", table_name="draws")
    op.drop_index("ix_draws_department_drawn", table_name="draws")
    op.drop_table("draws")
