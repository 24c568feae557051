"""Signed checkpoints as files, and the periodic one of `onething serve`.

Every `ONETHING_CHECKPOINT_MINUTES` the serving process signs every case's chain head under
`ONETHING_AUDIT_KEY` (once the store verifies: `auditing.take_checkpoint`), stores it, and
exports it to `ONETHING_CHECKPOINT_DIR`, a folder outside the database whose files an auditor
copies away; `onething audit verify --checkpoint DIR` checks the log against them and places a
break after the last checkpoint the log still bears out.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from engine.cases import auditing
from engine.cases.checkpoint import Checkpoint, read_file
from engine.errors import InputError

logger = logging.getLogger("onething.audit")

JOB_ID = "onething-audit-checkpoint"
PATTERN = "checkpoint-*.json"


def export(made: Checkpoint, folder: Path) -> Path:
    """Write `made` to `folder` as `checkpoint-NNNNNN.json`, whole or not at all (an auditor
    copying the folder meanwhile never gets half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checkpoint-{made.number:06d}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(made.to_json(), encoding="utf-8")
    partial.replace(path)
    return path


def read_exported(paths: list[Path]) -> list[Checkpoint]:
    """The checkpoints in these files, a folder standing for its `checkpoint-*.json` files;
    one line (`InputError`) for a file that cannot be read or is not a checkpoint."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob(PATTERN)) if path.is_dir() else [path]
    kept = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise InputError(f"cannot read {file}: {reason}") from None
        kept.append(read_file(text, source=str(file)))
    return kept


def start_checkpointer(
    engine: sa.Engine,
    *,
    key: bytes,
    minutes: float,
    folder: Path,
    clock: Callable[[], dt.datetime],
    scheduler: BaseScheduler | None = None,
    on_checkpoint: Callable[[Checkpoint, Path], None] | None = None,
) -> BaseScheduler:
    """Add the checkpoint job to `scheduler` (a new background one by default), the first
    after `minutes`, and start it. A store that does not verify is not signed: the job logs
    why (an error an operator must see) and tries again next time."""
    scheduler = scheduler or BackgroundScheduler(timezone="UTC")

    def job() -> None:
        try:
            made = auditing.take_checkpoint(engine, key, now=clock())
        except InputError as exc:
            logger.error("audit checkpoint not signed: %s", exc)
            return
        except Exception:  # another process signed this number first, a lost database …
            logger.exception("audit checkpoint failed")
            return
        try:
            path = export(made, folder)
        except OSError as exc:
            logger.error("%s is stored but not exported to %s: %s", made, folder, exc.strerror)
            return
        logger.info("audit: %s of %d cases exported to %s", made, len(made.heads), path)
        if on_checkpoint is not None:
            on_checkpoint(made, path)

    scheduler.add_job(
        job,
        "interval",
        minutes=minutes,
        id=JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
    if not scheduler.running:
        scheduler.start()
    return scheduler
