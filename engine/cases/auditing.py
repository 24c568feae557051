"""`onething audit`: the store checked against its event log, and signed checkpoints of it.

`verify` reads each case with its log and query rows (a few hundred cases a query) and hands
them to the pure checks (`consistency`, `checkpoint`); `checkpoint` signs every case's chain
head once the log verifies, stores the checkpoint and returns it for export.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from engine import inputs
from engine.cases import checkpoint as signing
from engine.cases.audit import GENESIS, Break, LoggedEvent
from engine.cases.checkpoint import ChainHead, Checkpoint
from engine.cases.consistency import StoredCase, disagreements
from engine.cases.tables import (
    CaseRow,
    CheckpointRow,
    DecisionRow,
    EventRow,
    MaterialRow,
    NegativeRow,
    StepRow,
    among,
)
from engine.clock import as_utc
from engine.errors import InputError
from engine.store.unit_of_work import UnitOfWork

_TABLES = SQLModel.metadata.tables
CHUNK = 200  # cases read together


@dataclass
class AuditReport:
    """What verify found: the breaks, each case's head in the log, and for a broken case the
    last checkpoint whose head the log still bears out."""

    breaks: list[Break] = field(default_factory=list)
    heads: dict[str, ChainHead] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    checkpoints: int = 0  # how many authentic checkpoints were checked

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(
    engine: sa.Engine,
    case_id: str | None = None,
    *,
    key: bytes | None = None,
    exported: Sequence[Checkpoint] = (),
) -> AuditReport:
    """Check one case or all against the log; with `key`, against every stored checkpoint and
    the `exported` copies an auditor kept too."""
    report = AuditReport()
    with Session(engine) as session:
        # one snapshot of the whole store: a write committing meanwhile (a served process
        # goes on working) must not look like a case row ahead of its log
        if engine.dialect.name == "postgresql":
            connection = session.connection(
                execution_options={"isolation_level": "REPEATABLE READ"}
            )
        else:
            connection = session.connection()
            connection.exec_driver_sql("BEGIN")  # pysqlite begins only before a write
        cases = _TABLES[CaseRow.__tablename__]
        if case_id is not None:
            inputs.name("case", case_id)
            if connection.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first():
                ids = [case_id]
            else:
                raise InputError(f"no case {case_id!r}")
        else:
            ids = list(connection.execute(sa.select(cases.c.id).order_by(cases.c.id)).scalars())
        for stored in _stored(session, ids):
            report.breaks += disagreements(stored)
            last = stored.events[-1] if stored.events else None
            report.heads[str(stored.row["id"])] = (
                ChainHead(last.seq, last.hash) if last else ChainHead(0, GENESIS)
            )
        if key is not None:
            _against_checkpoints(session, report, key, exported, only=case_id)
    return report


def take_checkpoint(engine: sa.Engine, key: bytes, *, now: dt.datetime) -> Checkpoint:
    """Sign every case's chain head, once the whole store verifies; stored and returned for
    export. A log that does not verify is not signed (that would bless the tampering)."""
    report = verify(engine, key=key)
    if not report.intact:
        raise InputError(
            f"the store does not verify ({len(report.breaks)} problem(s), the first: "
            f"{report.breaks[0]}); no checkpoint signed"
        )
    with UnitOfWork(engine) as uow:
        session = uow.session
        last = _stored_checkpoints(session)[-1:]
        made = signing.sign(
            key,
            number=last[0].number + 1 if last else 1,
            at=now,
            previous_mac=last[0].mac if last else None,
            heads=report.heads,
        )
        session.add(CheckpointRow(number=made.number, at=as_utc(now), body=made.body, mac=made.mac))
        uow.commit()  # a racing checkpoint with the same number: IntegrityError, one wins
    return made


def _stored_checkpoints(session: Session) -> list[Checkpoint]:
    table = _TABLES[CheckpointRow.__tablename__]
    rows = session.connection().execute(sa.select(table).order_by(table.c.number))
    return [signing.parse(r.body, r.mac, source=f"stored checkpoint {r.number}") for r in rows]


def _against_checkpoints(
    session: Session,
    report: AuditReport,
    key: bytes,
    exported: Sequence[Checkpoint],
    *,
    only: str | None,
) -> None:
    """Each checkpoint must be authentic and in the store, and the log must still hold every
    head it signed; each broken case is placed after the last checkpoint it agrees with."""
    stored = _stored_checkpoints(session)
    by_number = {c.number: c for c in stored}
    trusted: dict[int, Checkpoint] = {}
    previous: Checkpoint | None = None
    for one in stored:
        if not signing.authentic(one, key):
            report.breaks.append(Break("", None, "its signature does not hold", f"{one}"))
        elif previous is not None and one.previous_mac != previous.mac:
            report.breaks.append(
                Break("", None, f"does not follow checkpoint {previous.number}", f"{one}")
            )
        else:
            trusted[one.number] = one
        previous = one
    for kept in exported:
        if not signing.authentic(kept, key):
            report.breaks.append(Break("", None, "the exported copy is not authentic", f"{kept}"))
            continue
        if (in_store := by_number.get(kept.number)) is None:
            report.breaks.append(Break("", None, "is missing from the store", f"{kept}"))
        elif in_store.mac != kept.mac:
            report.breaks.append(Break("", None, "differs from its exported copy", f"{kept}"))
        trusted.setdefault(kept.number, kept)
    report.checkpoints = len(trusted)
    broken = {b.case_id for b in report.breaks if b.case_id}
    agreed: dict[str, Checkpoint] = {}
    for number in sorted(trusted):
        one = trusted[number]
        for case_id, signed in one.heads.items():
            if only is not None and case_id != only:
                continue
            problem = _holds(session, case_id, signed, report.heads.get(case_id))
            if problem is None:
                agreed[case_id] = one
                continue
            seq, reason = problem
            report.breaks.append(Break(case_id, seq, f"{reason} ({one} signed it)"))
            broken.add(case_id)
    newest = trusted[max(trusted)] if trusted else None
    for case_id in sorted(broken):
        if case_id in agreed:
            report.after[case_id] = f"after {agreed[case_id]}"
        elif newest is not None and not any(case_id in c.heads for c in trusted.values()):
            report.after[case_id] = f"after {newest} (the case is newer)"
        elif trusted:
            report.after[case_id] = "before any checkpoint it agrees with"


def _holds(
    session: Session, case_id: str, signed: ChainHead, head: ChainHead | None
) -> tuple[int | None, str] | None:
    """Whether the log still holds `signed` as one of its heads (None) or why not."""
    if head is None:
        return None, f"the case is gone: {signed.count} events were signed"
    if head.count < signed.count:
        return signed.count, f"the log holds {head.count} events; {signed.count} were signed"
    events = _TABLES[EventRow.__tablename__]
    found = (
        session.connection()
        .execute(
            sa.select(events.c.hash).where(
                events.c.case_id == case_id, events.c.seq == signed.count
            )
        )
        .scalar()
    )
    if found != signed.last_hash:
        return signed.count, "is not the event signed"
    return None


def _stored(session: Session, ids: list[str]) -> Iterator[StoredCase]:
    """The cases with their logs and query rows, `CHUNK` cases a query."""
    connection = session.connection()
    tables = [
        _TABLES[t.__tablename__] for t in (EventRow, StepRow, MaterialRow, NegativeRow, DecisionRow)
    ]
    cases = _TABLES[CaseRow.__tablename__]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = {
            r.id: r._mapping
            for r in connection.execute(sa.select(cases).where(among(session, cases.c.id, chunk)))
        }
        related: list[dict[str, list[sa.RowMapping]]] = []
        for table in tables:
            by_case: dict[str, list[sa.RowMapping]] = defaultdict(list)
            query = sa.select(table).where(among(session, table.c.case_id, chunk))
            if table.name == EventRow.__tablename__:
                query = query.order_by(table.c.case_id, table.c.seq)
            for row in connection.execute(query):
                by_case[row.case_id].append(row._mapping)
            related.append(by_case)
        events, steps, materials, negatives, decisions = related
        for case_id in chunk:
            if case_id not in rows:
                continue
            yield StoredCase(
                rows[case_id],
                [
                    LoggedEvent(
                        e["case_id"],
                        e["seq"],
                        e["kind"],
                        e["actor"],
                        e["at"],
                        e["data"],
                        e["prev_hash"],
                        e["hash"],
                        e["prior"],
                        e["state"],
                    )
                    for e in events.get(case_id, [])
                ],
                steps.get(case_id, []),
                materials.get(case_id, []),
                negatives.get(case_id, []),
                decisions.get(case_id, []),
            )
