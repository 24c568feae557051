"""Store functions for delivery records. Each call that changes a row is a unit of work of its
own, so a record survives a crash of the dispatcher and other dispatchers see it at once;
except `queue`, which writes a sweep's records in the sweep's own unit of work (the outbox:
a level commits with its deliveries, which a round sends after the commit)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.notify.channels import ChannelConfig, delivery_id
from engine.notify.notice import SupervisionNotice
from engine.notify.tables import DeliveryStatus, NotifyDelivery
from engine.retry import CONTENTION, RetryPolicy
from engine.store.unit_of_work import UnitOfWork

Claim = tuple[NotifyDelivery, bool]
QUEUED = "queued with its level, not sent yet"  # a failed record of no attempt: due at once


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
    notice: SupervisionNotice,
    channel: ChannelConfig,
    *,
    now: datetime,
    stale_after: timedelta,
) -> Claim:
    """Record the delivery of `notice` to `channel` and take it for sending.

    Returns the record and whether this caller may send: not when it was sent already, is dead
    (an operator retries it), or another dispatcher holds it and has not gone stale.
    """
    return CONTENTION.run(  # another dispatcher recorded it first: read it again
        lambda: _claim(session, notice, channel, now=now, stale_after=stale_after)
    )


def _claim(
    session: Session,
    notice: SupervisionNotice,
    channel: ChannelConfig,
    *,
    now: datetime,
    stale_after: timedelta,
) -> Claim:
    key = delivery_id(notice.notice_id, channel)
    row = session.exec(select(NotifyDelivery).where(NotifyDelivery.delivery_id == key)).first()
    if row is not None:
        return row, take(session, row, now=now, stale_after=stale_after, from_dead=False)
    row = _new_row(key, notice, channel, now=now)
    with UnitOfWork(session) as uow:
        uow.session.add(row)
        uow.commit()
    return row, True


def take(
    session: Session, row: NotifyDelivery, *, now: datetime, stale_after: timedelta, from_dead: bool
) -> bool:
    """Move `row` to pending if it may be sent now; an atomic compare-and-set, so that of two
    dispatchers only one wins."""
    if not _may_take(row, now=now, stale_after=stale_after, from_dead=from_dead):
        return False
    with UnitOfWork(session) as uow:
        moved = _compare_and_set(uow.session, row, now=now)
        uow.commit()
    session.refresh(row)
    return moved


def _may_take(
    row: NotifyDelivery, *, now: datetime, stale_after: timedelta, from_dead: bool
) -> bool:
    status = DeliveryStatus(row.status)
    stale = status is DeliveryStatus.PENDING and row.updated_at <= now - stale_after
    return status is DeliveryStatus.FAILED or stale or (from_dead and status is DeliveryStatus.DEAD)


def _compare_and_set(session: Session, row: NotifyDelivery, *, now: datetime) -> bool:
    moved = session.execute(
        sa.update(NotifyDelivery)
        .where(
            col(NotifyDelivery.id) == row.id,
            col(NotifyDelivery.status) == row.status,
            col(NotifyDelivery.updated_at) == row.updated_at,
        )
        .values(status=DeliveryStatus.PENDING, updated_at=now)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]


def record_sent(session: Session, row: NotifyDelivery, *, now: datetime) -> None:
    _record(session, row, status=DeliveryStatus.SENT, error=None, now=now)


def record_failure(
    session: Session, row: NotifyDelivery, error: str, *, dead: bool, now: datetime
) -> None:
    status = DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED
    _record(session, row, status=status, error=error, now=now)


def _record(
    session: Session,
    row: NotifyDelivery,
    *,
    status: DeliveryStatus,
    error: str | None,
    now: datetime,
) -> None:
    """One attempt's outcome, committed at once."""
    record_many(session, [(row, status, error, True)], now=now)


def claim_many(
    session: Session,
    wanted: list[tuple[SupervisionNotice, ChannelConfig]],
    *,
    now: datetime,
    stale_after: timedelta,
) -> list[Claim]:
    """`claim` for a round of deliveries: the new records written in one transaction, the
    rows already there taken in another (`take_many`); a race with another dispatcher
    inserting the same records falls back to `claim` for each."""
    keys = [delivery_id(notice.notice_id, channel) for notice, channel in wanted]
    known = _recorded(session, keys)
    fresh = {
        key: _new_row(key, notice, channel, now=now)
        for key, (notice, channel) in zip(keys, wanted, strict=True)
        if key not in known
    }
    if fresh:
        try:
            with UnitOfWork(session) as uow:
                uow.session.add_all(fresh.values())
                uow.commit()
        except sa.exc.IntegrityError:  # another dispatcher recorded some of them meanwhile
            return [
                claim(session, notice, channel, now=now, stale_after=stale_after)
                for notice, channel in wanted
            ]
    taken = iter(
        take_many(
            session, [known[k] for k in keys if k not in fresh], now=now, stale_after=stale_after
        )
    )
    return [(fresh[key], True) if key in fresh else (known[key], next(taken)) for key in keys]


def _recorded(session: Session, keys: list[str]) -> dict[str, NotifyDelivery]:
    """The records already there of the delivery ids `keys`, read 500 ids a query."""
    known: dict[str, NotifyDelivery] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(NotifyDelivery).where(col(NotifyDelivery.delivery_id).in_(chunk))
        known.update((row.delivery_id, row) for row in session.exec(query))
    return known


def take_many(
    session: Session, rows: list[NotifyDelivery], *, now: datetime, stale_after: timedelta
) -> list[bool]:
    """`take` for a round's records, in one transaction: whether each is this caller's to send."""
    mine = [_may_take(row, now=now, stale_after=stale_after, from_dead=False) for row in rows]
    if not any(mine):
        return mine
    with UnitOfWork(session) as uow:
        for index, row in enumerate(rows):
            if mine[index]:
                mine[index] = _compare_and_set(uow.session, row, now=now)
        uow.commit()
    for row, taken in zip(rows, mine, strict=True):
        if taken:
            row.status, row.updated_at = DeliveryStatus.PENDING, now
    return mine


def queue(
    session: Session, wanted: list[tuple[SupervisionNotice, ChannelConfig]], *, now: datetime
) -> None:
    """Record the deliveries of `wanted` in the caller's unit of work, not yet sent (a failed
    record of no attempt, `QUEUED`); those already recorded are left as they are."""
    rows = {delivery_id(notice.notice_id, channel): (notice, channel) for notice, channel in wanted}
    known = _recorded(session, list(rows))
    for key, (notice, channel) in rows.items():
        if key in known:
            continue
        row = _new_row(key, notice, channel, now=now)
        row.status, row.last_error = DeliveryStatus.FAILED, QUEUED
        session.add(row)


def unsent(
    session: Session,
    *,
    now: datetime,
    policy: RetryPolicy,
    stale_after: timedelta,
    limit: int,
) -> list[NotifyDelivery]:
    """At most `limit` records due to be sent again, oldest first: queued ones (a sweep killed
    before sending them), failed ones whose wait after their last attempt (`policy.delay_after`)
    is over and that have attempts left, and pending ones gone stale (their dispatcher died)."""
    status, attempts, updated = (
        col(NotifyDelivery.status),
        col(NotifyDelivery.attempts),
        col(NotifyDelivery.updated_at),
    )
    waited = [
        sa.and_(
            attempts == n, updated <= now - timedelta(seconds=policy.delay_after(n) if n else 0)
        )
        for n in range(policy.max_attempts)
    ]
    query = (
        select(NotifyDelivery)
        .where(
            sa.or_(
                sa.and_(status == DeliveryStatus.FAILED, sa.or_(*waited)),
                sa.and_(status == DeliveryStatus.PENDING, updated <= now - stale_after),
            )
        )
        .order_by(updated, col(NotifyDelivery.id))
        .limit(limit)
    )
    return list(session.exec(query))


def _new_row(
    key: str, notice: SupervisionNotice, channel: ChannelConfig, *, now: datetime
) -> NotifyDelivery:
    return NotifyDelivery(
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


# a record, its new status, why, and whether it was tried (a send skipped for its endpoint
# being down, or for the round's time, uses up none of its attempts)
Outcome = tuple[NotifyDelivery, DeliveryStatus, str | None, bool]


def record_many(session: Session, outcomes: list[Outcome], *, now: datetime) -> None:
    """Each outcome of a round, written in one transaction."""
    if not outcomes:
        return
    with UnitOfWork(session) as uow:
        for row, status, error, tried in outcomes:
            row.status = status
            row.attempts += tried
            row.last_error = error
            row.updated_at = now
            if status is DeliveryStatus.SENT:
                row.sent_at = now
            uow.session.add(row)
        uow.commit()
