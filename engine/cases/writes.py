"""One unit of work's writes: gathered while its commands run, sent in a few statements.

Whether a transaction carries one command or a batch of them (`CaseService.act_many`), each
table gets at most one statement per kind of write (a multi-row insert, an executemany update
by primary key), so the number of round trips does not grow with the number of commands. The
case rows are written first, version-checked: if any case changed under the unit of work,
`Stale` is raised before anything else is sent, and the caller rolls back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from engine.calendar import WorkingCalendar
from engine.cases import machine
from engine.cases.audit import canonical, link_hash, state_digest
from engine.cases.case import Case
from engine.cases.rows import decision_values, material_values, negative_values, step_values
from engine.cases.state import OPEN_STEP
from engine.cases.tables import (
    CaseRow,
    CommandRow,
    DecisionRow,
    DrawRow,
    EscalationRow,
    EventRow,
    MaterialRow,
    NegativeRow,
    StepRow,
)
from engine.clock import as_utc
from engine.escalation.firings import clock_key
from engine.escalation.index import Turns
from engine.store.unit_of_work import Stale

_TABLES = SQLModel.metadata.tables
EVENTS, DECISIONS = str(EventRow.__tablename__), str(DecisionRow.__tablename__)
STEPS, MATERIALS = str(StepRow.__tablename__), str(MaterialRow.__tablename__)
NEGATIVES = str(NegativeRow.__tablename__)
ESCALATIONS = str(EscalationRow.__tablename__)
DRAWS = str(DrawRow.__tablename__)
UPSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class CaseHead(Protocol):
    """What a write needs of the case row it replaces: the version and the chain's head."""

    @property
    def id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def event_count(self) -> int: ...
    @property
    def last_hash(self) -> str: ...
    @property
    def escalated(self) -> bool: ...
    @property
    def next_escalation_at(self) -> dt.datetime | None: ...


@dataclass(frozen=True)
class Head:
    """The head of a case row as a unit of work leaves it (or of one not yet stored)."""

    id: str
    version: int
    event_count: int
    last_hash: str
    escalated: bool = False
    next_escalation_at: dt.datetime | None = None
    state: str | None = None  # the digest of the snapshot it left


@dataclass
class _Rows:
    """New rows, and updates by primary key (`b_<column>` parameters): several updates of
    one row in a unit of work are sent as its last."""

    key: tuple[str, ...]
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)

    def update(self, row: dict[str, Any]) -> None:
        self.updates[tuple(row[f"b_{column}"] for column in self.key)] = row


@dataclass
class Writes:
    """Everything a unit of work writes, by table."""

    new_cases: list[dict[str, Any]] = field(default_factory=list)
    # by case: the last values, checked against the version the unit of work first read
    case_updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)  # breaches of one notice
    steps: _Rows = field(default_factory=lambda: _Rows(("case_id", "step_id")))
    materials: _Rows = field(default_factory=lambda: _Rows(("case_id", "material_id")))
    negatives: _Rows = field(default_factory=lambda: _Rows(("id",)))
    # the inspection steps drawn for, by (case, step): stored, or moved to the newest draw
    draws: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def case(
        self,
        head: CaseHead,
        events: list[machine.Event],
        values: dict[str, Any],
        *,
        actor: str,
        now: dt.datetime,
        new: bool = False,
    ) -> Head:
        """The case row (inserted when `new`, else updated if still at `head`'s version) and
        its events linked onto the hash chain; returns the head after."""
        prior = _state_of(head)
        snapshot = values.get("snapshot")
        state = state_digest(snapshot) if snapshot is not None else prior
        links, seq, prev = chain(head, events, actor=actor, now=now, prior=prior, state=state)
        self.events += links
        row = {**values, "version": head.version + 1, "event_count": seq, "last_hash": prev}
        row["updated_at"] = as_utc(now)
        if new:
            self.new_cases.append({**row, "id": head.id})
        else:
            first = self.case_updates.get(head.id, {"b_version": head.version})
            self.case_updates[head.id] = {**row, "b_id": head.id, "b_version": first["b_version"]}
        escalated = bool(values.get("escalated", head.escalated))
        nxt = values.get("next_escalation_at", head.next_escalation_at)
        return Head(head.id, head.version + 1, seq, prev, escalated, nxt, state)

    def flush(self, connection: sa.Connection) -> None:
        """Send the writes: the version-checked case rows first (`Stale` if one moved)."""
        cases = _TABLES[CaseRow.__tablename__]
        if self.new_cases:
            connection.execute(sa.insert(cases), self.new_cases)
        if self.case_updates:
            where = (
                cases.c.id == sa.bindparam("b_id"),
                cases.c.version == sa.bindparam("b_version"),
            )
            rows = list(self.case_updates.values())
            result = connection.execute(sa.update(cases).where(*where), rows)
            if result.rowcount != len(self.case_updates):
                raise Stale()
        for name, rows in (
            (EVENTS, self.events),
            (DECISIONS, self.decisions),
            (ESCALATIONS, self.escalations),
        ):
            if rows:
                connection.execute(sa.insert(_TABLES[name]), rows)
        for name, kept in (
            (STEPS, self.steps),
            (MATERIALS, self.materials),
            (NEGATIVES, self.negatives),
        ):
            table = _TABLES[name]
            if kept.inserts:
                connection.execute(sa.insert(table), kept.inserts)
            if kept.updates:
                by_key = [table.c[column] == sa.bindparam(f"b_{column}") for column in kept.key]
                connection.execute(sa.update(table).where(*by_key), list(kept.updates.values()))
        if self.draws:
            upsert = UPSERTS[connection.dialect.name](_TABLES[DRAWS])
            drawn = {"department": upsert.excluded.department, "drawn_at": upsert.excluded.drawn_at}
            keys = ["case_id", "step_id"]
            statement = upsert.on_conflict_do_update(index_elements=keys, set_=drawn)
            connection.execute(statement, list(self.draws.values()))
        if self.commands:  # a racing retry with the same key collides here: IntegrityError
            connection.execute(sa.insert(_TABLES[CommandRow.__tablename__]), self.commands)

    def query_rows(
        self,
        old: Case | None,
        new: Case,
        calendar: WorkingCalendar,
        now: dt.datetime,
        nexts: dict[str, dt.datetime | None],
        *,
        steps: list[str],
        turns: dict[str, Turns],
        negative_turns: dict[str, Turns],
    ) -> None:
        """The query rows in line with the snapshot: the rows of `steps` (with their due and
        next escalation times, and when they turn yellow and red: `turns`), new signatures,
        changed materials and negative matters (with when their decision clocks turn:
        `negative_turns`)."""
        for step_id in steps:
            run = new.steps[step_id]
            before = old.steps.get(step_id) if old else None
            due = None
            if run.clock is not None and run.status in OPEN_STEP:
                due = as_utc(run.clock.read(calendar, now).due)
            values: dict[str, Any] = {
                **step_values(run),
                "due_at": due,
                "next_escalation_at": nexts.get(clock_key(new.id, step_id, run.attempt)),
                "yellow_at": turns[step_id][0],
                "red_at": turns[step_id][1],
            }
            if before is None:
                self.steps.inserts.append({"case_id": new.id, "step_id": step_id, **values})
            else:
                self.steps.update({"b_case_id": new.id, "b_step_id": step_id, **values})
            known = len(before.signatures) if before and before.attempt == run.attempt else 0
            self.decisions += [
                {"case_id": new.id, **decision_values(run, signature)}
                for signature in run.signatures[known:]
            ]
        for material_id, state in new.materials.items():
            earlier = old.materials.get(material_id) if old else None
            if earlier == state:
                continue
            material = material_values(state)
            if earlier is None:
                self.materials.inserts.append(
                    {"case_id": new.id, "material_id": material_id, **material}
                )
            else:
                self.materials.update(
                    {"b_case_id": new.id, "b_material_id": material_id, **material}
                )
        old_negatives = {n.id: n for n in old.negatives} if old else {}
        for negative in new.negatives:
            earlier_negative = old_negatives.get(negative.id)
            if earlier_negative == negative:
                continue
            yellow, red = negative_turns[negative.id]
            entry = {
                "case_id": new.id,
                **negative_values(negative),
                "yellow_at": yellow,
                "red_at": red,
            }
            if earlier_negative is None:
                self.negatives.inserts.append({"id": negative.id, **entry})
            else:
                self.negatives.update({"b_id": negative.id, **entry})


def _state_of(head: CaseHead) -> str | None:
    """The digest of the snapshot a write starts from: a unit of work's earlier write of the
    case knows it; a stored row is hashed as read (None for a case not yet stored)."""
    if isinstance(head, Head):
        return head.state
    snapshot = getattr(head, "snapshot", None)
    return state_digest(snapshot) if snapshot is not None else None


def steps_to_write(old: Case | None, new: Case, *, moved_only: bool) -> list[str]:
    """The step rows a write must bring in line: with `moved_only` (a command changed the
    run state), those of the steps it moved and of suspended steps, whose due time runs on
    with the calendar; else every one (the calendar or the ladder moved)."""
    if not moved_only or old is None:
        return list(new.steps)
    return [
        step_id
        for step_id, run in new.steps.items()
        if old.steps.get(step_id) != run or (run.clock is not None and run.clock.suspended)
    ]


def chain(
    head: CaseHead,
    events: list[machine.Event],
    *,
    actor: str,
    now: dt.datetime,
    prior: str | None = None,
    state: str | None = None,
) -> tuple[list[dict[str, Any]], int, str]:
    """The events as event-row values linked onto the case's hash chain, the first recording
    `prior` (the digest of the snapshot the write started from), the last `state` (of the
    one it leaves); with the new count and head of the chain."""
    at = now.isoformat()
    seq, prev = head.event_count, head.last_hash
    chained = []
    for number, event in enumerate(events, 1):
        seq += 1
        data = canonical(event.data)
        before = prior if number == 1 else None
        after = state if number == len(events) else None
        digest = link_hash(
            prev,
            case_id=head.id,
            seq=seq,
            kind=event.kind,
            actor=actor,
            at=at,
            data=data,
            prior=before,
            state=after,
        )
        chained.append(
            {
                "case_id": head.id,
                "seq": seq,
                "kind": event.kind,
                "actor": actor,
                "at": at,
                "data": data,
                "prev_hash": prev,
                "hash": digest,
                "prior": before,
                "state": after,
            }
        )
        prev = digest
    return chained, seq, prev
