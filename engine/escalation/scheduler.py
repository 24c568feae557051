"""The sweep as an APScheduler job in the serving process: every `ONETHING_SWEEP_SECONDS`
(60 by default), the first run at start so levels missed during downtime fire at once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from engine.escalation.fired import Fired
from engine.escalation.sweep import Supervision, SweepReport

logger = logging.getLogger("onething.escalation")

JOB_ID = "onething-supervision-sweep"


def start_sweeper(
    supervision: Supervision,
    *,
    seconds: float,
    first_at: dt.datetime,
    scheduler: BaseScheduler | None = None,
    on_sweep: Callable[[SweepReport], None] | None = None,
    on_fired: Callable[[Fired], None] | None = None,
) -> BaseScheduler:
    """Add the sweep job to `scheduler` (a new background one by default) and start it; the
    first sweep at `first_at` (the scheduler's wall time: now, so that levels missed during
    downtime fire at once), then every `seconds`.

    One sweep at a time per process (`max_instances=1`, missed runs coalesced); several
    processes may sweep one PostgreSQL database, each level still fires once. A sweep keeps
    no level once its batch is done (`on_fired` sees each; `on_sweep` the counts). Call
    `.shutdown()` on the result when the service stops.
    """
    scheduler = scheduler or BackgroundScheduler(timezone="UTC")

    def job() -> None:
        try:
            report = supervision.sweep(each=on_fired or _forget)
        except Exception:  # a bad sweep is logged; the next one tries again
            logger.exception("supervision sweep failed")
            return
        if report.levels:
            logger.info("supervision sweep: %d levels fired", report.levels)
        if on_sweep is not None:
            on_sweep(report)

    scheduler.add_job(
        job,
        "interval",
        seconds=seconds,
        id=JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        next_run_time=first_at,
    )
    if not scheduler.running:
        scheduler.start()
    return scheduler


def _forget(fired: Fired) -> None:
    """A fired level is recorded and its notice sent: nothing is left to keep."""
