"""The roster book: the examiners' roster as an append-only, hash-chained log of audited
changes (who changed what, when), so the roster any draw used can be replayed exactly and a
change made behind the log's back shows. A change is made by the department's admin or head."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from engine.access.permissions import Principal, require
from engine.cases.audit import GENESIS, canonical, link_hash
from engine.draw.roster import Change, Roster, apply_change
from engine.store.unit_of_work import UnitOfWork
from engine.views.draws import ExaminerView, RosterChangeView

CHAIN = "roster"  # the chain's name in its links' hashes


class RosterChangeRow(SQLModel, table=True):
    """One audited change of the examiners' roster, chained to the one before it."""

    __tablename__ = "roster_changes"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    department: str = Field(index=True, max_length=64)
    examiner: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    actor: str = Field(max_length=64)
    at: str = Field(max_length=40)
    data: str
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


@dataclass(frozen=True)
class RosterAt:
    """The roster as the first `seq` changes made it (seq 0: empty)."""

    roster: Roster
    seq: int


def change_hash(row: RosterChangeRow, prev_hash: str) -> str:
    return link_hash(
        prev_hash,
        case_id=CHAIN,
        seq=row.seq,
        kind=f"{row.kind}:{row.department}:{row.examiner}",
        actor=row.actor,
        at=row.at,
        data=row.data,
    )


def _change(row: RosterChangeRow) -> Change:
    return Change(row.kind, row.department, row.examiner, json.loads(row.data))


class RosterBook:
    """The roster of one database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime]):
        self.engine, self.clock = engine, clock

    def at(self, session: Session, seq: int | None = None) -> RosterAt:
        """The roster after change `seq` (None: the latest), read through `session`."""
        query = select(RosterChangeRow).order_by(col(RosterChangeRow.seq))
        if seq is not None:
            query = query.where(col(RosterChangeRow.seq) <= seq)
        roster, last = Roster(()), 0
        for row in session.exec(query):
            roster, last = apply_change(roster, _change(row)), row.seq
        return RosterAt(roster, last)

    def current(self) -> RosterAt:
        with Session(self.engine) as session:
            return self.at(session)

    def change(self, by: Principal, changes: Sequence[Change]) -> RosterAt:
        """Apply `changes` in order, each checked and logged with `by`, in one transaction:
        all or nothing. `Forbidden` unless `by` is an admin or head of each change's
        department; `InputError` for a change the roster refuses."""
        for change in changes:
            require(by, "roster.manage", departments={change.department})
        now = self.clock().isoformat()
        with UnitOfWork(self.engine) as uow:
            current = self.at(uow.session)
            roster, seq = current.roster, current.seq
            last = uow.session.get(RosterChangeRow, seq) if seq else None
            prev = last.hash if last else GENESIS
            for change in changes:
                roster = apply_change(roster, change)
                seq += 1
                row = RosterChangeRow(
                    seq=seq,
                    department=change.department,
                    examiner=change.examiner,
                    kind=change.kind,
                    actor=by.name,
                    at=now,
                    data=canonical(change.data),
                    prev_hash=prev,
                    hash="",
                )
                row.hash = prev = change_hash(row, prev)
                uow.session.add(row)
            uow.commit()
        return RosterAt(roster, seq)

    def examiners(self, department: str | None = None) -> list[ExaminerView]:
        """The roster now (a department's, or every one), the disabled included."""
        return [
            ExaminerView.model_validate(e.record())
            for e in self.current().roster.examiners
            if department in (None, e.department)
        ]

    def history(self, department: str | None = None) -> list[RosterChangeView]:
        """Every change of the roster (a department's), oldest first."""
        with Session(self.engine) as session:
            query = select(RosterChangeRow).order_by(col(RosterChangeRow.seq))
            if department is not None:
                query = query.where(RosterChangeRow.department == department)
            return [
                RosterChangeView(
                    seq=row.seq,
                    at=dt.datetime.fromisoformat(row.at),
                    actor=row.actor,
                    kind=row.kind,
                    department=row.department,
                    examiner=row.examiner,
                    data=json.loads(row.data),
                )
                for row in session.exec(query)
            ]

    def breaks(self, session: Session, upto: int | None = None) -> list[str]:
        """Where the roster's log no longer holds (an edited, removed or reordered change),
        up to change `upto` (None: all)."""
        query = sa.select(RosterChangeRow).order_by(col(RosterChangeRow.seq))
        prev, expected, found = GENESIS, 1, []
        for (row,) in session.execute(query):
            if upto is not None and row.seq > upto:
                break
            if row.seq != expected:
                found.append(f"roster change {expected} is missing")
            if row.prev_hash != prev or change_hash(row, prev) != row.hash:
                found.append(f"roster change {row.seq} was altered")
            prev, expected = row.hash, row.seq + 1
        if upto is not None and expected <= upto:
            found.append(f"roster changes {expected}..{upto} are missing")
        return found
