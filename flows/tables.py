"""Which Prefect flow run carries which case (one run per case, for the case's whole life)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from engine.store.unit_of_work import UnitOfWork


class CaseFlowRun(SQLModel, table=True):
    __tablename__ = "case_flow_runs"

    case_id: str = Field(primary_key=True)
    flow_run_id: str
    created_at: dt.datetime


def flow_run_of(database: sa.Engine, case_id: str) -> str | None:
    with Session(database) as session:
        row = session.get(CaseFlowRun, case_id)
        return row.flow_run_id if row else None


def remember(database: sa.Engine, case_id: str, flow_run_id: str, *, at: dt.datetime) -> None:
    """Store the case's run (the same id again is harmless: runs are created idempotently)."""
    with UnitOfWork(database) as uow:
        uow.session.merge(CaseFlowRun(case_id=case_id, flow_run_id=flow_run_id, created_at=at))
        uow.commit()
