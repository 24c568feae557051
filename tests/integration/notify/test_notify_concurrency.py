"""Two dispatchers at once, and a dispatcher that died mid-send: each notice still arrives once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from engine.notify import deliveries
from engine.notify.channels import ChannelConfig, ChannelKind
from engine.notify.dispatch import DeliveryResult, Dispatcher
from engine.notify.notice import SupervisionNotice
from engine.notify.tables import DeliveryStatus
from tests.fixtures.loopback import FAST, SECRET_ENV, Mailbox, Receiver, transports

pytestmark = pytest.mark.timeout(60)

T0 = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)


def test_racing_dispatchers_deliver_each_notice_once(
    notify_db: sa.Engine, smtp: Mailbox, receiver: Receiver, notice: SupervisionNotice
) -> None:
    channels = [
        ChannelConfig(ChannelKind.WEBHOOK, receiver.url, secret_env=SECRET_ENV),
        ChannelConfig(ChannelKind.EMAIL, "duban@example.gov.cn"),
    ]
    racers = 6
    start = threading.Barrier(racers)
    results: list[DeliveryResult] = []

    def race() -> None:
        dispatcher = Dispatcher(transports=transports(smtp_port=smtp.port), policy=FAST)
        with Session(notify_db) as session:
            start.wait()
            results.extend(dispatcher.dispatch(session, notice, channels))

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(receiver.requests) == 1
    assert len(smtp.messages) == 1
    assert sum(not r.skipped for r in results) == 2
    assert all(r.error is None for r in results)


def test_a_fresh_pending_delivery_belongs_to_another_dispatcher(
    session: Session, smtp: Mailbox, notice: SupervisionNotice
) -> None:
    channel = ChannelConfig(ChannelKind.EMAIL, "duban@example.gov.cn")
    _, mine = deliveries.claim(session, notice, channel, now=T0, stale_after=timedelta(minutes=15))
    assert mine  # ... and then this dispatcher died before sending

    def at(moment: datetime) -> Dispatcher:
        return Dispatcher(
            transports=transports(smtp_port=smtp.port), policy=FAST, clock=lambda: moment
        )

    [busy] = at(T0 + timedelta(minutes=5)).dispatch(session, notice, [channel])
    assert (busy.status, busy.skipped) == (DeliveryStatus.PENDING, True)
    assert smtp.messages == []
    [taken] = at(T0 + timedelta(minutes=15)).dispatch(session, notice, [channel])
    assert (taken.status, taken.skipped) == (DeliveryStatus.SENT, False)
    assert len(smtp.messages) == 1
    [row] = [deliveries.get(session, taken.record_id or 0)]
    assert row is not None and row.sent_at == T0 + timedelta(minutes=15)
