"""The real `onething serve` signs a checkpoint of every case's chain head each
`ONETHING_CHECKPOINT_MINUTES` under `ONETHING_AUDIT_KEY`, exports it to
`ONETHING_CHECKPOINT_DIR` outside the database, and the log verifies against the files."""

from __future__ import annotations

import itertools
from pathlib import Path

import sqlalchemy as sa

from engine.cases import auditing
from engine.cases.checkpoint import authentic
from engine.cases.checkpointing import PATTERN, read_exported
from tests.fixtures.flow_runs import AUDIT_KEY, Served, wait_for


def test_serve_exports_a_signed_checkpoint_every_interval(
    served: Served, database_url: str
) -> None:
    folder = Path(served.env["ONETHING_CHECKPOINT_DIR"])
    wait_for("two exported checkpoints", lambda: len(list(folder.glob(PATTERN))) >= 2)
    assert f"audit checkpoints every 0.05 minutes, exported to {folder}" in served.output()
    kept = read_exported([folder])
    key = AUDIT_KEY.encode()
    assert all(authentic(c, key) for c in kept)
    assert all(b.previous_mac == a.mac for a, b in itertools.pairwise(kept))
    engine = sa.create_engine(database_url)
    try:
        report = auditing.verify(engine, key=key, exported=kept)
    finally:
        engine.dispose()
    assert report.intact, report.breaks[:3]
    assert report.checkpoints >= len(kept)
