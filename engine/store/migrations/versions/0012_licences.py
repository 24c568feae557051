"""licences: the licence library's certificates, the cases that used them, registry records

Revision ID: 0012_licences
Revises: 0011_statutory_due
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_licences"
down_revision = "0011_statutory_due"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("number", sa.String(length=128), primary_key=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("holder_name", sa.String(length=255), nullable=True),
        sa.Column("valid_from", WHEN, nullable=False),
        sa.Column("valid_to", WHEN, nullable=True),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("document", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("replaced_by", sa.String(length=128), nullable=True),
        sa.Column("changed_by", sa.String(length=128), nullable=True),
        sa.Column("changed_at", WHEN, nullable=True),
        sa.Column("change_reason", sa.String(), nullable=True),
    )
    op.create_index("ix_certificates_type", "certificates", ["type"])
    op.create_index("ix_certificates_holder", "certificates", ["holder"])
    op.create_index("ix_certificates_case_id", "certificates", ["case_id"])
    op.create_table(
        "certificate_uses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("at", WHEN, nullable=False),
    )
    op.create_index("ix_certificate_uses_number", "certificate_uses", ["number"])
    op.create_table(
        "registry_records",
        sa.Column("registry_id", sa.String(length=64), primary_key=True),
        sa.Column("key", sa.String(length=128), primary_key=True),
        sa.Column("number", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("record", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("registry_records")
    op.drop_index("ix_certificate_uses_number", table_name="certificate_uses")
    op.drop_table("certificate_uses")
    for column in ("case_id", "holder", "type"):
        op.drop_index(f"ix_certificates_{column}", table_name="certificates")
    op.drop_table("certificates")
