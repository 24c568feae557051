"""The supervision sweep (`onething sweep`) really killed part-way, then run again (SQLite and
PostgreSQL): the real command in its own process on a migrated store, SIGKILL, no
simulation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import freezegun
import sqlalchemy as sa
from sqlmodel import Session, col

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.service import Command, Intake
from engine.clock import utc_now
from engine.definitions.loader import load_catalogue
from engine.escalation.sweep import Supervision
from engine.notify.tables import DeliveryStatus, NotifyDelivery
from engine.store import get_engine
from engine.views.cases import CaseView
from tests.fixtures.cli import ROOT, cli_env, killed_once, ok, onething_with, started
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import USERS, at, make_service, supervised_workflow

CASES = 1200  # three of the sweep's batches of 500 cases
MOMENT = "2026-10-09T17:45"  # both reviews of every case past due: four levels a case
FACTORY = "tests.integration.escalation.factory:stored_service"
SWEEPS = 12  # sweeps enough to send what the killed run left unsent


def test_a_sweep_killed_mid_way_fires_each_level_once_on_a_rerun(
    store_url: str, tmp_path: Path, calendars: CalendarSet
) -> None:
    """Each batch of the sweep commits its levels with their notices' deliveries, then sends
    them; killed once a batch has committed and before the last, the sweep leaves some levels
    fired and their notices unsent. Run again, it fires the rest: every level the forecast
    named fired exactly once (one escalation row and one event each), no notice recorded
    twice, and the store verifies; and the sweeps that follow send what the killed run left
    (a bounded number a run), so every fired level's notice is recorded and sent."""
    with freezegun.freeze_time(at(9, 29, 10, 0)):
        service = make_service(get_engine(store_url), calendars, supervised_workflow())
        for name, role, department in USERS:
            Accounts(service.engine, clock=service.clock).add(
                name, role=role, department=department
            )
        ids = [
            view.id
            for view in service.submit_many([Intake("road-works", APPLICATION)] * CASES)
            if isinstance(view, CaseView)
        ]
        service.act_many([Command(case_id, "accept", "wang", {}) for case_id in ids])
    forecast = Supervision(service, catalogue=load_catalogue(ROOT / "definitions")).sweep(
        at=at(10, 9, 17, 45), dry_run=True
    )
    assert forecast.levels >= 4 * CASES
    env = cli_env(
        tmp_path,
        ONETHING_DATABASE_URL=store_url,
        ONETHING_SERVICE_FACTORY=FACTORY,
        PYTHONPATH=str(ROOT),
    )
    killed_once(
        started(env, tmp_path, ["sweep", "--at", MOMENT]),
        "a batch of levels to commit",
        lambda: bool(fired(service.engine)),
    )
    before = fired(service.engine)
    assert 0 < len(before) < forecast.levels  # the kill landed mid-way

    onething = onething_with(env, tmp_path)
    ok(onething("sweep", "--at", MOMENT))
    with Session(service.engine) as session:  # the killed run's sends: theirs until stale
        session.execute(
            sa.update(NotifyDelivery)
            .where(col(NotifyDelivery.status) == DeliveryStatus.PENDING)
            .values(updated_at=utc_now() - dt.timedelta(hours=1))
        )
        session.commit()
    for _ in range(SWEEPS):  # what the killed run left, at most 500 records a sweep
        if not unsent(service.engine):
            break
        ok(onething("sweep", "--at", MOMENT))
    assert unsent(service.engine) == 0
    levels = fired(service.engine)
    with service.engine.connect() as connection:
        events = connection.execute(
            sa.text("SELECT count(*) FROM case_events WHERE kind = 'escalation.fired'")
        ).scalar_one()
        notices = connection.execute(
            sa.text("SELECT notice_id, channel, target, status FROM notify_delivery")
        ).all()
    assert len(levels) == forecast.levels == events  # each once: one row, one event
    assert len(notices) == len(set(notices))  # none recorded twice
    assert set(levels.values()) == {notice_id for notice_id, _, _, _ in notices}  # all told
    assert {status for _, _, _, status in notices} == {DeliveryStatus.SENT}  # and all sent
    assert "intact" in ok(onething("audit", "verify"))


def fired(engine: sa.Engine) -> dict[tuple[str, str], str]:
    """The levels recorded so far (clock and level), each with its notice."""
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT clock_key, level, notice_id FROM escalations"))
        return {(clock, level): notice_id for clock, level, notice_id in rows}


def unsent(engine: sa.Engine) -> int:
    """The delivery records not sent yet."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT count(*) FROM notify_delivery WHERE status <> 'sent'")
            ).scalar_one()
        )
