"""escalations and negative_matters: a department's levels newest first and its register of
negative decisions oldest first, each read a page at a time as a range of an index in the
listing's order, not sorted

Revision ID: 0022_listing_indexes
Revises: 0021_draws
"""

from __future__ import annotations

from alembic import op

revision = "0022_listing_indexes"
down_revision = "0021_draws"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_escalations_department_fired", "escalations", ["department", "fired_at", "id"]
    )
    op.create_index(
        "ix_negative_matters_register", "negative_matters", ["department", "registered_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_negative_matters_register", table_name="negative_matters")
    op.drop_index("ix_escalations_department_fired", table_name="escalations")
