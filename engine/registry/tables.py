"""The registry's table of workflow versions, with its request and response shapes.

`WorkflowVersionBase` → `WorkflowVersionCreate` (what registering supplies) → `WorkflowVersion`
(the table); the base and `WorkflowVersionPublic` (what the CLI and the API show) are public
views (`engine.views.definitions`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field

from engine.views.definitions import WorkflowVersionBase


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
