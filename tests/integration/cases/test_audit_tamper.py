"""`audit verify` against an editor of the database, one test per kind of tampering, on SQLite
and PostgreSQL: the state against the log, the log's head, and signed checkpoints."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.cases import auditing
from engine.cases.case import Case
from engine.cases.checkpoint import Checkpoint, read_file
from engine.cases.service import CaseService
from engine.cases.state import StepStatus
from engine.cases.tables import CaseRow, CheckpointRow, DecisionRow, EventRow, StepRow
from engine.errors import InputError
from tests.fixtures.cases import accepted, rewrite_chain
from tests.fixtures.road_works import APPLICATION

KEY = b"auditor's key, kept outside the database"


def fields(service: CaseService, case_id: str) -> set[str | None]:
    return {b.field for b in service.verify(case_id)}


def edit_snapshot(db: sa.Engine, case_id: str, *approved: str) -> None:
    """Mark steps approved by hand, in the snapshot and their step rows (so the rows agree)."""
    with Session(db) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        case = Case.from_json(row.snapshot)
        for step in approved:
            case.steps[step].status = StepStatus.APPROVED
            step_row = session.get(StepRow, (case_id, step))
            assert step_row is not None
            step_row.status, step_row.is_open = "approved", False
            session.add(step_row)
        row.snapshot = case.to_json().decode()
        session.add(row)
        session.commit()


def test_a_hand_approved_step_laundered_by_a_real_approval_is_found(
    service: CaseService, db: sa.Engine
) -> None:
    """The reported hole: a step marked approved by hand, then one real approval activates
    the joint decision; the real write's result is genuine, but it did not start from the
    state the log recorded."""
    case_id = accepted(service)
    edit_snapshot(db, case_id, "municipal")
    view = service.act(case_id, "approve", actor="zhao", args={"step": "traffic"})
    assert {s.id: s.status for s in view.steps}["decision"] == "active"
    (found,) = service.verify(case_id)
    assert found.field == "cases.snapshot" and found.case_id == case_id
    assert "was changed before the write at event" in found.reason


def test_an_edited_snapshot_is_not_the_state_the_log_recorded(
    service: CaseService, db: sa.Engine
) -> None:
    case_id = accepted(service)
    edit_snapshot(db, case_id, "municipal", "traffic")
    (found,) = service.verify(case_id)
    assert found.field == "cases.snapshot"
    assert "is not the state the log recorded at event" in found.reason
    assert str(found).startswith(f"case {case_id}: cases.snapshot: ")


def test_an_edited_step_row_names_the_step_and_column(service: CaseService, db: sa.Engine) -> None:
    case_id = accepted(service)
    with Session(db) as session:
        row = session.get(StepRow, (case_id, "traffic"))
        assert row is not None
        row.status = "approved"
        session.add(row)
        session.commit()
    (found,) = service.verify(case_id)
    assert found.field == "step_runs[traffic].status"
    assert found.reason == "is 'approved'; the snapshot says 'active'"


def test_an_edited_decision_is_not_in_the_log(service: CaseService, db: sa.Engine) -> None:
    case_id = accepted(service)
    service.act(case_id, "approve", actor="liu", args={"step": "municipal"})
    with Session(db) as session:
        decision = session.exec(select(DecisionRow).where(DecisionRow.case_id == case_id)).one()
        decision.actor = "ma"
        session.add(decision)
        session.commit()
    found = {(b.field, b.reason.split(" at ")[0]) for b in service.verify(case_id)}
    assert found == {
        ("case_decisions[municipal]", "approve by ma"),
        ("case_decisions[municipal]", "missing: the log records approve by liu"),
    }


def test_a_deleted_or_forged_decision_is_found(service: CaseService, db: sa.Engine) -> None:
    case_id = accepted(service)
    service.act(case_id, "approve", actor="liu", args={"step": "municipal"})
    with Session(db) as session:
        decision = session.exec(select(DecisionRow).where(DecisionRow.case_id == case_id)).one()
        forged = DecisionRow(
            case_id=case_id,
            step_id="traffic",
            attempt=0,
            actor="zhao",
            role="reviewer",
            decision="approve",
            at=decision.at,
        )
        session.delete(decision)
        session.add(forged)
        session.commit()
    assert fields(service, case_id) == {"case_decisions[municipal]", "case_decisions[traffic]"}


def test_deleting_the_last_events_shows_in_the_head(service: CaseService, db: sa.Engine) -> None:
    case_id = accepted(service)
    with Session(db) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        last = row.event_count
        session.execute(
            sa.delete(EventRow).where(
                col(EventRow.case_id) == case_id, col(EventRow.seq) >= last - 1
            )
        )
        session.commit()
    found = {b.field: b.reason for b in service.verify(case_id)}
    assert found["cases.event_count"] == f"says {last} events; the log holds {last - 2}"
    assert found["cases.last_hash"] == "is not the hash of the log's last event"


def test_deleting_the_last_events_and_the_head_shows_in_the_state(
    service: CaseService, db: sa.Engine
) -> None:
    case_id = accepted(service)
    with Session(db) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        keep = session.exec(
            select(EventRow).where(EventRow.case_id == case_id, EventRow.seq == row.event_count - 2)
        ).one()
        session.execute(
            sa.delete(EventRow).where(
                col(EventRow.case_id) == case_id, col(EventRow.seq) > keep.seq
            )
        )
        row.event_count, row.last_hash = keep.seq, keep.hash
        session.add(row)
        session.commit()
    (found,) = service.verify(case_id)
    assert found.field == "cases.snapshot"


def test_deleting_every_event_of_a_case_is_found(service: CaseService, db: sa.Engine) -> None:
    case_id = accepted(service)
    with Session(db) as session:
        session.execute(sa.delete(EventRow).where(col(EventRow.case_id) == case_id))
        row = session.get(CaseRow, case_id)
        assert row is not None
        row.event_count, row.last_hash = 0, "0" * 64
        session.add(row)
        session.commit()
    assert fields(service, case_id) == {"case_events"}
    assert "no event" in service.verify(case_id)[0].reason


def checkpoint(service: CaseService, hours: int) -> Checkpoint:
    now = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC) + dt.timedelta(hours=hours)
    return auditing.take_checkpoint(service.engine, KEY, now=now)


def test_a_rewritten_chain_is_caught_by_the_checkpoint_that_signed_it(
    service: CaseService, db: sa.Engine
) -> None:
    case_id = accepted(service)
    first = checkpoint(service, 1)
    rewrite_chain(db, case_id, 2, actor="li")
    assert service.verify(case_id) == []  # consistent in itself: only a signature catches it
    report = auditing.verify(db, key=KEY)
    (found,) = report.breaks
    assert (found.case_id, found.seq) == (case_id, first.heads[case_id].count)
    assert found.reason == f"is not the event signed ({first} signed it)"
    assert report.after[case_id] == "before any checkpoint it agrees with"


def test_verify_says_which_checkpoint_a_break_falls_after(
    service: CaseService, db: sa.Engine
) -> None:
    case_id = accepted(service)
    checkpoint(service, 1)
    service.act(case_id, "approve", actor="liu", args={"step": "municipal"})
    second = checkpoint(service, 2)
    service.act(case_id, "approve", actor="zhao", args={"step": "traffic"})
    newer = service.submit("road-works", APPLICATION)
    checkpoint(service, 3)
    with Session(db) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
    rewrite_chain(db, case_id, row.event_count, actor="li")  # the last write, after the 3rd
    report = auditing.verify(db, key=KEY)
    assert {b.case_id for b in report.breaks} == {case_id}
    assert report.after[case_id] == f"after {second}"
    assert newer.id not in report.after


def test_a_checkpoint_deleted_from_the_store_is_found_by_its_exported_copy(
    service: CaseService, db: sa.Engine
) -> None:
    accepted(service)
    kept = read_file(checkpoint(service, 1).to_json(), source="checkpoint-1.json")
    with Session(db) as session:
        session.execute(sa.delete(CheckpointRow))
        session.commit()
    assert auditing.verify(db, key=KEY).intact  # the store alone cannot tell
    (found,) = auditing.verify(db, key=KEY, exported=[kept]).breaks
    assert str(found) == f"{kept}: is missing from the store"


def test_an_edited_checkpoint_does_not_hold_its_signature(
    service: CaseService, db: sa.Engine
) -> None:
    case_id = accepted(service)
    checkpoint(service, 1)
    with Session(db) as session:
        stored = session.exec(select(CheckpointRow)).one()
        stored.body = stored.body.replace(f'"{case_id}":[', f'"{case_id}":[9')
        session.add(stored)
        session.commit()
    (found,) = auditing.verify(db, key=KEY).breaks
    assert found.reason == "its signature does not hold"
    assert auditing.verify(db, key=b"another key").breaks[0].reason == found.reason


def test_a_broken_log_is_not_signed(service: CaseService, db: sa.Engine) -> None:
    case_id = accepted(service)
    edit_snapshot(db, case_id, "municipal")
    with pytest.raises(InputError, match="does not verify .* no checkpoint signed"):
        checkpoint(service, 1)
    with Session(db) as session:
        assert session.exec(select(CheckpointRow)).all() == []
