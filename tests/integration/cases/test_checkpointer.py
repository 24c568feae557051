"""The periodic signed checkpoint of `onething serve` (its scheduler job), on SQLite and
PostgreSQL: signed each interval under a key the database never holds, exported as files
outside it, and used by verify to place a later rewrite after the last one the log bears out."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session, select

from engine.cases import auditing
from engine.cases.checkpoint import ChainHead, Checkpoint, authentic
from engine.cases.checkpointing import JOB_ID, read_exported, start_checkpointer
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow, CheckpointRow
from engine.settings import SettingsError, read_settings
from tests.fixtures.cases import accepted, rewrite_chain

KEY = b"the auditor's key, from the environment"


def test_checkpoints_are_signed_each_interval_and_exported_where_an_auditor_copies_them(
    service: CaseService, db: sa.Engine, tmp_path: Path
) -> None:
    case_id = accepted(service)
    before = head(db, case_id)
    folder = tmp_path / "outside-the-database"
    made: list[Path] = []
    changed = threading.Condition()

    def seen(_checkpoint: Checkpoint, path: Path) -> None:
        with changed:
            made.append(path)
            changed.notify_all()

    def wait_for(count: int) -> None:
        with changed:
            assert changed.wait_for(lambda: len(made) >= count, timeout=20)

    scheduler = start_checkpointer(
        db,
        key=KEY,
        minutes=0.001,  # 60 ms
        folder=folder,
        clock=service.clock,
        scheduler=BackgroundScheduler(),
        on_checkpoint=seen,
    )
    try:
        wait_for(2)
        service.act(case_id, "approve", actor="liu", args={"step": "municipal"})
        wait_for(len(made) + 2)  # the approval signed by later checkpoints
    finally:
        scheduler.shutdown()
    kept = read_exported([folder])
    assert [c.number for c in kept] == list(range(1, len(kept) + 1))
    assert [p.name for p in made[:2]] == ["checkpoint-000001.json", "checkpoint-000002.json"]
    assert all(authentic(c, KEY) for c in kept) and not authentic(kept[0], b"another key")
    assert all(b.previous_mac == a.mac for a, b in itertools.pairwise(kept))
    after = head(db, case_id)
    assert kept[0].heads[case_id] == before and kept[-1].heads[case_id] == after
    with Session(db) as session:
        stored = session.exec(select(CheckpointRow.body, CheckpointRow.mac)).all()
    assert not any(KEY.decode() in body + mac for body, mac in stored)  # never in the database

    # an editor of the database rewrites the approval with recomputed hashes and deletes the
    # store's checkpoints to hide it: the exported files still catch it and place the break
    rewrite_chain(db, case_id, after.count, actor="ma")
    assert service.verify(case_id) == []  # consistent in itself
    with Session(db) as session:
        session.execute(sa.delete(CheckpointRow))
        session.commit()
    report = auditing.verify(db, key=KEY, exported=read_exported([folder]))
    last_good = max((c for c in kept if c.heads[case_id] == before), key=lambda c: c.number)
    assert report.after[case_id] == f"after {last_good}"
    signed_it = {b.reason for b in report.breaks if b.case_id == case_id}
    assert signed_it == {
        f"is not the event signed ({c} signed it)" for c in kept[last_good.number :]
    }
    missing = [b for b in report.breaks if b.reason == "is missing from the store"]
    assert len(missing) == len(kept)


def head(db: sa.Engine, case_id: str) -> ChainHead:
    with Session(db) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        return ChainHead(row.event_count, row.last_hash)


def test_a_store_that_does_not_verify_is_not_signed_and_the_job_says_why(
    service: CaseService, db: sa.Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    case_id = accepted(service)
    with Session(db) as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        row.snapshot = row.snapshot.replace('"active"', '"approved"', 1)
        session.add(row)
        session.commit()
    scheduler = start_checkpointer(
        db,
        key=KEY,
        minutes=60,
        folder=tmp_path / "exported",
        clock=service.clock,
        scheduler=BackgroundScheduler(),
    )
    try:
        job = scheduler.get_job(JOB_ID)
        assert job is not None
        job.func()  # the job itself, run now
    finally:
        scheduler.shutdown()
    assert not (tmp_path / "exported").exists()
    [record] = [r for r in caplog.records if r.name == "onething.audit"]
    assert record.levelname == "ERROR" and "does not verify" in record.getMessage()
    assert case_id in record.getMessage()


def test_the_interval_and_the_folder_come_from_the_environment(tmp_path: Path) -> None:
    assert read_settings({}).checkpoint_minutes == 60
    assert read_settings({"ONETHING_DATA_DIR": str(tmp_path)}).checkpoints() == (
        tmp_path / "checkpoints"
    )
    elsewhere = read_settings({"ONETHING_CHECKPOINT_DIR": "/mnt/audit"}).checkpoints()
    assert elsewhere == Path("/mnt/audit")
    assert read_settings({"ONETHING_CHECKPOINT_MINUTES": "15"}).checkpoint_minutes == 15
    with pytest.raises(SettingsError, match="ONETHING_CHECKPOINT_MINUTES"):
        read_settings({"ONETHING_CHECKPOINT_MINUTES": "0"})
