"""case_commands.command: the digest of the whole command an idempotency key stands for
(action, case, actor, arguments; for a submit the application)

Revision ID: 0009_command_identity
Revises: 0008_audit_state
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_command_identity"
down_revision = "0008_audit_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_commands", sa.Column("command", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("case_commands", "command")
