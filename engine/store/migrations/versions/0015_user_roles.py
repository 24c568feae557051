"""user_roles: a user holds one or more roles, each in a department unless unscoped (a
reviewer in one department and the head of another; a leader who also supervises); each
existing user keeps its one role

Revision ID: 0015_user_roles
Revises: 0014_worklist_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_user_roles"
down_revision = "0014_worklist_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_roles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_name", sa.String(length=64), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.UniqueConstraint("user_name", "role", "department", name="uq_user_roles"),
    )
    op.create_index("ix_user_roles_user_name", "user_roles", ["user_name"])
    op.create_index("ix_user_roles_department_role", "user_roles", ["department", "role"])
    op.execute(
        "INSERT INTO user_roles (user_name, role, department) "
        "SELECT name, role, department FROM users ORDER BY name"
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role")
        batch.drop_column("department")


def downgrade() -> None:
    """Back to one role a user: each keeps its first."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("department", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE users SET role = (SELECT role FROM user_roles r WHERE r.id = "
        "(SELECT min(id) FROM user_roles WHERE user_name = users.name)), "
        "department = (SELECT department FROM user_roles r WHERE r.id = "
        "(SELECT min(id) FROM user_roles WHERE user_name = users.name))"
    )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("role", nullable=False)
    op.drop_table("user_roles")
