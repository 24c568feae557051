"""users: disabled_at (a disabled user's token stops at once) and a unique index on the
token's hash (a presented token finds its user by one lookup)

Revision ID: 0007_accounts
Revises: 0006_escalated
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_accounts"
down_revision = "0006_escalated"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_users_token_hash", ["token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_token_hash", type_="unique")
        batch.drop_column("disabled_at")
