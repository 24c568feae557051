"""The registry's table of workflow versions, with its request and response shapes.

`WorkflowVersionBase` → `WorkflowVersionCreate` (what registering supplies) → `WorkflowVersion`
(the table) → `WorkflowVersionPublic` (what the CLI and the API show).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class WorkflowVersionBase(SQLModel):
    workflow_id: str = Field(max_length=64, index=True)
    version: int
    title: str = Field(max_length=255)
    owner: str = Field(max_length=64)


class WorkflowVersionCreate(WorkflowVersionBase):
    source: str = Field(sa_type=sa.Text)
    sha256: str = Field(max_length=64)


class WorkflowVersion(WorkflowVersionCreate, table=True):
    """One registered version: its source text, frozen; retiring only sets `retired_at`."""

    __tablename__ = "workflow_versions"
    __table_args__ = (sa.UniqueConstraint("workflow_id", "version", name="uq_workflow_version"),)

    id: int | None = Field(default=None, primary_key=True)
    registered_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    retired_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class WorkflowVersionPublic(WorkflowVersionBase):
    sha256: str
    registered_at: dt.datetime
    retired_at: dt.datetime | None
