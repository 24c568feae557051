"""SQLModel tables of the case store: snapshots for the engine, indexed rows for queries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class CaseRow(SQLModel, table=True):
    """A case: its full state as a JSON snapshot, with an optimistic-lock version."""

    __tablename__ = "cases"

    id: str = Field(primary_key=True, max_length=40)
    workflow_id: str = Field(index=True, max_length=64)
    workflow_version: int
    status: str = Field(index=True, max_length=24)
    snapshot: str
    version: int = 1
    event_count: int = 0
    last_hash: str = Field(max_length=64)
    submitted_at: dt.datetime
    updated_at: dt.datetime
    promised_due_at: dt.datetime | None = Field(default=None, index=True)


class StepRow(SQLModel, table=True):
    """A step run, kept in step with the snapshot, for overdue and department queries."""

    __tablename__ = "step_runs"
    __table_args__ = (
        Index("ix_step_runs_open_due", "is_open", "due_at"),
        Index("ix_step_runs_department_status", "department", "status"),
    )

    case_id: str = Field(primary_key=True, foreign_key="cases.id", max_length=40)
    step_id: str = Field(primary_key=True, max_length=64)
    department: str = Field(max_length=64)
    status: str = Field(max_length=24)
    is_open: bool = False  # active, suspended or awaiting a leader
    attempt: int = 0
    due_at: dt.datetime | None = None
    suspended: bool = False


class MaterialRow(SQLModel, table=True):
    """The material pool (材料池): each material once, shared by every step."""

    __tablename__ = "case_materials"

    case_id: str = Field(primary_key=True, foreign_key="cases.id", max_length=40)
    material_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16)
    reference: str | None = None
    deadline: dt.datetime | None = Field(default=None, index=True)


class DecisionRow(SQLModel, table=True):
    """A signature on a step: approve or reject, by whom and when."""

    __tablename__ = "case_decisions"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, foreign_key="cases.id", max_length=40)
    step_id: str = Field(max_length=64)
    attempt: int
    actor: str = Field(max_length=64)
    role: str = Field(max_length=32)
    decision: str = Field(max_length=16)
    at: dt.datetime
    comment: str = ""


class NegativeRow(SQLModel, table=True):
    """The register of negative decisions (否定事项报备)."""

    __tablename__ = "negative_matters"

    id: str = Field(primary_key=True, max_length=48)
    case_id: str = Field(index=True, foreign_key="cases.id", max_length=40)
    step_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=24)
    status: str = Field(index=True, max_length=16)
    matter: str | None = Field(default=None, max_length=64)
    facts: str
    reason: str
    legal_basis: str
    officer: str = Field(max_length=64)
    department: str = Field(index=True, max_length=64)
    registered_at: dt.datetime
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: dt.datetime | None = None


class EventRow(SQLModel, table=True):
    """The append-only, hash-chained event log of a case."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", max_length=40)
    seq: int
    kind: str = Field(max_length=48)
    actor: str = Field(max_length=64)
    at: str = Field(max_length=40)
    data: str
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class CommandRow(SQLModel, table=True):
    """A command's idempotency key and its first result: a retry returns it unchanged."""

    __tablename__ = "case_commands"

    key: str = Field(primary_key=True, max_length=128)
    case_id: str = Field(max_length=40)
    action: str = Field(max_length=32)
    result: str
    at: dt.datetime


class UserRow(SQLModel, table=True):
    """An officer: a role in a department; API tokens are stored only as hashes."""

    __tablename__ = "users"

    name: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=32)
    department: str | None = Field(default=None, max_length=64)
    token_hash: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime
