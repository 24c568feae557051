"""SQLModel tables of the case store: snapshots for the engine, indexed rows for queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, DateTime, Index, UniqueConstraint, false
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, Session, SQLModel


def among(session: Session, column: Any, values: list[str]) -> Any:
    """`column IN values`; on PostgreSQL `= ANY(array)`, one parameter however many values."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _when(*, index: bool = False) -> Any:
    """An optional moment, stored with its time zone (UTC on SQLite, timestamptz elsewhere)."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), index=index))


class CaseRow(SQLModel, table=True):
    """A case: its full state as a JSON snapshot, with an optimistic-lock version."""

    __tablename__ = "cases"
    __table_args__ = (
        # the week forecast of the case clocks: read in its order, counted without the table
        *(
            Index(f"ix_cases_turns_{level}", f"{level}_at", "id", "owner", "status", "workflow_id")
            for level in ("yellow", "red")
        ),
        # the rows written before their clock's moments were kept (`fill_moments` at start)
        Index(
            "ix_cases_unfilled",
            "id",
            postgresql_where=sa.text("owner IS NULL"),
            sqlite_where=sa.text("owner IS NULL"),
        ),
        # the window's tasks: the few open cases with a material to verify (待核验)
        Index(
            "ix_cases_to_verify",
            "owner",
            "submitted_at",
            postgresql_where=sa.text("to_verify > 0"),
            sqlite_where=sa.text("to_verify > 0"),
        ),
    )

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
    applicant_name: str | None = Field(default=None, max_length=255)  # found by a listing's text
    promised_due_at: dt.datetime | None = Field(default=None, index=True)
    statutory_due_at: dt.datetime | None = None  # so `case recompute` sees it move
    next_escalation_at: dt.datetime | None = _when(index=True)  # the promised clock's ladder
    # a level has fired on one of its clocks: its history is worth reading
    escalated: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # materials a source did not answer for at intake, for the window to verify (待核验)
    to_verify: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # the department answerable for the case's own clock (the workflow's owner), and when
    # that clock (the promised one, or while it awaits the window Art. 32's acceptance
    # clock) turns yellow and red: the overview's week forecast (`engine.escalation.index`)
    owner: str | None = Field(default=None, max_length=64)
    yellow_at: dt.datetime | None = _when()
    red_at: dt.datetime | None = _when()


class StepRow(SQLModel, table=True):
    """A step run, kept in step with the snapshot, for overdue and department queries."""

    __tablename__ = "step_runs"
    __table_args__ = (
        Index("ix_step_runs_open_due", "is_open", "due_at"),
        Index("ix_step_runs_department_status", "department", "status"),
        # a department's worklist, most urgent first: read in index order, never sorted
        Index(
            "ix_step_runs_worklist",
            "department",
            "due_at",
            "case_id",
            postgresql_where=sa.text("is_open"),
            sqlite_where=sa.text("is_open"),
        ),
        # the overview's lights and week forecast: counted from these indexes alone, never
        # by reading the cases
        Index(
            "ix_step_runs_lights",
            "department",
            "due_at",
            "yellow_at",
            "suspended",
            "case_id",  # the key, for a step standing still: was it warned?
            "step_id",
            "attempt",
            postgresql_where=sa.text("is_open"),
            sqlite_where=sa.text("is_open"),
        ),
        # read in the forecast's order (moment, case, step), counted without the table
        *(
            Index(
                f"ix_step_runs_turns_{level}",
                f"{level}_at",
                *("case_id", "step_id", "department", "attempt"),
                postgresql_where=sa.text("is_open"),
                sqlite_where=sa.text("is_open"),
            )
            for level in ("yellow", "red")
        ),
    )

    case_id: str = Field(primary_key=True, foreign_key="cases.id", max_length=40)
    step_id: str = Field(primary_key=True, max_length=64)
    department: str = Field(max_length=64)
    status: str = Field(max_length=24)
    is_open: bool = False  # active, suspended or awaiting a leader
    attempt: int = 0
    due_at: dt.datetime | None = None
    suspended: bool = False
    assignee: str | None = Field(default=None, index=True, max_length=64)  # transferred to
    next_escalation_at: dt.datetime | None = _when(index=True)  # the sweep's index
    # when the running clock's ladder turns it yellow and red (`engine.escalation.ladder`);
    # None while it stands still or has no such level
    yellow_at: dt.datetime | None = _when()
    red_at: dt.datetime | None = _when()


# An open step, in the very words of the partial indexes' condition: SQLite reads a partial
# index only when the query's WHERE holds that term as it is (`step_runs.is_open`, which
# `is_open = 1`, SQLAlchemy's spelling of a boolean there, is not): 3 ms → 0.15 ms for a
# worklist page of 2,000 open steps.
STEP_OPEN: sa.ColumnElement[Any] = sa.literal_column("step_runs.is_open")

# A case with a material to verify (待核验), in the words of `ix_cases_to_verify`'s condition
# for the same reason: a bound `to_verify > ?` is not that term.
CASE_TO_VERIFY: sa.ColumnElement[Any] = sa.literal_column("cases.to_verify > 0")


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
    # the register a department reads, oldest first: a page is a range of this index
    __table_args__ = (Index("ix_negative_matters_register", "department", "registered_at", "id"),)

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
    decision_reason: str = ""  # the leader's reason (required for an overturn)
    # when the leader's decision clock turns yellow and red while it is awaited
    yellow_at: dt.datetime | None = _when()
    red_at: dt.datetime | None = _when()


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
    # digests of the snapshot a write started from (its first event) and left (its last)
    prior: str | None = Field(default=None, max_length=64)
    state: str | None = Field(default=None, max_length=64)


class EscalationRow(SQLModel, table=True):
    """A level of a clock's ladder that fired (电子监察): once per clock and level."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("clock_key", "level", name="uq_escalations_clock_level"),
        # the levels a department reads, newest first: a page is a range of this index
        Index("ix_escalations_department_fired", "department", "fired_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    clock_key: str = Field(max_length=128)
    case_id: str = Field(index=True, foreign_key="cases.id", max_length=40)
    step_id: str | None = Field(default=None, max_length=64)
    attempt: int = 0
    level: str = Field(max_length=24)
    department: str = Field(max_length=64)
    scheduled_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    fired_at: dt.datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    late_by_seconds: int | None = None
    provisional: bool = False
    notice_id: str = Field(max_length=200)
    recipients: str = "[]"  # JSON: the (department, role) pairs told
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_at: dt.datetime | None = _when()
    order_due: dt.datetime | None = _when()  # 督办: finish by this date
    ordered_by: str | None = Field(default=None, max_length=64)


class DrawRow(SQLModel, table=True):
    """An inspection step drawn for (实地核查审查员抽取), with when it was last drawn: the list
    of draws, a department's newest first, read from its index without opening the cases."""

    __tablename__ = "draws"
    __table_args__ = (
        Index("ix_draws_department_drawn", "department", "drawn_at", "case_id", "step_id"),
        Index("ix_draws_drawn", "drawn_at", "case_id", "step_id"),
    )

    case_id: str = Field(primary_key=True, foreign_key="cases.id", max_length=40)
    step_id: str = Field(primary_key=True, max_length=64)
    department: str = Field(max_length=64)
    drawn_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CommandRow(SQLModel, table=True):
    """A command's idempotency key and its first result: a retry returns it unchanged."""

    __tablename__ = "case_commands"

    key: str = Field(primary_key=True, max_length=128)
    case_id: str = Field(max_length=40)
    action: str = Field(max_length=32)
    # the digest of the whole command (action, case, actor, arguments): what the key stands for
    command: str | None = Field(default=None, max_length=64)
    result: str
    at: dt.datetime


class UserRow(SQLModel, table=True):
    """A user, with one or more roles (`UserRoleRow`); the API token is stored only as its
    SHA-256 (unique, so a presented token finds its user by one index lookup)."""

    __tablename__ = "users"

    name: str = Field(primary_key=True, max_length=64)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: dt.datetime
    disabled_at: dt.datetime | None = _when()  # a disabled user's token stops at once


class UserRoleRow(SQLModel, table=True):
    """One role a user holds, in a department unless the role is unscoped (a reviewer in one
    department may be the head of another)."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_name", "role", "department", name="uq_user_roles"),
        Index("ix_user_roles_department_role", "department", "role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_name: str = Field(foreign_key="users.name", index=True, max_length=64)
    role: str = Field(max_length=32)
    department: str | None = Field(default=None, max_length=64)


class CheckpointRow(SQLModel, table=True):
    """A signed checkpoint of every case's chain head (count and last hash), HMAC-signed
    with a key the database never holds; auditors keep exported copies elsewhere."""

    __tablename__ = "audit_checkpoints"

    number: int = Field(primary_key=True)
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    body: str  # the signed JSON: number, at, previous mac, heads
    mac: str = Field(max_length=64)
