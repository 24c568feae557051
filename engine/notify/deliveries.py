"""Store functions for delivery records. Each call that changes a row commits on its own, so a
record survives a crash of the dispatcher and other dispatchers see it at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine.notify.channels import ChannelConfig, delivery_id
from engine.notify.notice import Notice
from engine.notify.tables import DeliveryStatus, NotifyDelivery

Claim = tuple[NotifyDelivery, bool]


def get(session: Session, record_id: int) -> NotifyDelivery | None:
    return session.get(NotifyDelivery, record_id)


def dead_letters(session: Session, *, limit: int | None = None) -> list[NotifyDelivery]:
    """The deliveries that gave up, oldest first."""
    query = (
        select(NotifyDelivery)
        .where(NotifyDelivery.status == DeliveryStatus.DEAD)
        .order_by(col(NotifyDelivery.updated_at), col(NotifyDelivery.id))
        .limit(limit)
    )
    return list(session.exec(query))


def claim(
    session: Session,
    notice: Notice,
    channel: ChannelConfig,
    *,
    now: datetime,
    stale_after: timedelta,
) -> Claim:
    """Record the delivery of `notice` to `channel` and take it for sending.

    Returns the record and whether this caller may send: not when it was sent already, is dead
    (an operator retries it), or another dispatcher holds it and has not gone stale.
    """
    key = delivery_id(notice.notice_id, channel)
    row = session.exec(select(NotifyDelivery).where(NotifyDelivery.delivery_id == key)).first()
    if row is None:
        row = NotifyDelivery(
            delivery_id=key,
            notice_id=notice.notice_id,
            channel=channel.kind.value,
            target=channel.target,
            secret_env=channel.secret_env,
            lang=channel.lang,
            status=DeliveryStatus.PENDING,
            notice=notice.to_dict(),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # another dispatcher recorded it first
            session.rollback()
            return _reload(session, key), False
        return row, True
    return row, take(session, row, now=now, stale_after=stale_after, from_dead=False)


def take(
    session: Session, row: NotifyDelivery, *, now: datetime, stale_after: timedelta, from_dead: bool
) -> bool:
    """Move `row` to pending if it may be sent now; an atomic compare-and-set, so that of two
    dispatchers only one wins."""
    status = DeliveryStatus(row.status)
    stale = status is DeliveryStatus.PENDING and row.updated_at <= now - stale_after
    if not (
        status is DeliveryStatus.FAILED or stale or (from_dead and status is DeliveryStatus.DEAD)
    ):
        return False
    moved = session.execute(
        sa.update(NotifyDelivery)
        .where(
            col(NotifyDelivery.id) == row.id,
            col(NotifyDelivery.status) == row.status,
            col(NotifyDelivery.updated_at) == row.updated_at,
        )
        .values(status=DeliveryStatus.PENDING, updated_at=now)
    )
    session.commit()
    session.refresh(row)
    return moved.rowcount == 1  # type: ignore[attr-defined]


def record_sent(session: Session, row: NotifyDelivery, *, now: datetime) -> None:
    _record(session, row, status=DeliveryStatus.SENT, error=None, now=now)
    row.sent_at = now
    session.commit()


def record_failure(
    session: Session, row: NotifyDelivery, error: str, *, dead: bool, now: datetime
) -> None:
    status = DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED
    _record(session, row, status=status, error=error, now=now)
    session.commit()


def _record(
    session: Session,
    row: NotifyDelivery,
    *,
    status: DeliveryStatus,
    error: str | None,
    now: datetime,
) -> None:
    row.status = status
    row.attempts += 1
    row.last_error = error
    row.updated_at = now
    session.add(row)


def _reload(session: Session, key: str) -> NotifyDelivery:
    return session.exec(select(NotifyDelivery).where(NotifyDelivery.delivery_id == key)).one()
