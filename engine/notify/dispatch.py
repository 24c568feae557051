"""Deliver a notice to its channels: record, send, retry with backoff, dead-letter on give-up.

Called after the escalation has committed. Nothing here raises to the caller: a failure is
logged, recorded and returned, so a broken mail server never blocks or rolls back supervision.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from engine.clock import utc_now
from engine.errors import InputError, NotFound
from engine.notify import deliveries
from engine.notify.channels import ChannelConfig, ChannelKind, delivery_id
from engine.notify.errors import DeliveryError
from engine.notify.notice import SupervisionNotice
from engine.notify.tables import DeliveryStatus, NotifyDelivery
from engine.notify.transports import Transport
from engine.retry import RetryPolicy

logger = logging.getLogger("onething.notify")


@dataclass(frozen=True)
class DeliveryResult:
    """What became of one channel. `status` is the record's status after this call (None when
    even recording failed); `skipped` means nothing was sent now: it was sent before, is dead,
    or another dispatcher holds it."""

    channel: ChannelKind
    target: str
    delivery_id: str
    status: DeliveryStatus | None
    attempts: int = 0
    error: str | None = None
    skipped: bool = False
    record_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is DeliveryStatus.SENT


@dataclass
class Dispatcher:
    """Sends notices over `transports` (the bootstrap configures them from the settings).

    `clock` stamps records and signatures, `sleep` waits between attempts and `monotonic`
    bounds the total time; tests pass fast ones. A `pending` record older than `stale_after`
    is taken to belong to a dispatcher that died, and is sent again.

    Sending after a batch of commits (a sweep's) is `engine.notify.rounds`.
    """

    transports: Mapping[ChannelKind, Transport]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    stale_after: timedelta = timedelta(minutes=15)

    def dispatch(
        self, session: Session, notice: SupervisionNotice, channels: Iterable[ChannelConfig]
    ) -> list[DeliveryResult]:
        """Deliver `notice` once to each channel; sending it again is a no-op per target.

        Commits on `session` (give it one with no other pending work); never raises.
        """
        results = []
        for channel in dict.fromkeys(channels):
            try:
                row, mine = deliveries.claim(
                    session, notice, channel, now=self.clock(), stale_after=self.stale_after
                )
                result = (
                    self._send(session, row, notice, channel)
                    if mine
                    else result_of(row, skipped=True)
                )
            except Exception as exc:  # the database or a bug: still never the caller's problem
                session.rollback()
                logger.exception("notice %s to %s: not delivered", notice.notice_id, channel.target)
                result = DeliveryResult(
                    channel=channel.kind,
                    target=channel.target,
                    delivery_id=delivery_id(notice.notice_id, channel),
                    status=None,
                    error=f"{type(exc).__name__}: {exc}",
                )
            results.append(result)
        return results

    def retry(self, session: Session, record_id: int) -> DeliveryResult:
        """Send a dead (or failed) delivery again, with a fresh round of attempts."""
        row = deliveries.get(session, record_id)
        if row is None:
            raise NotFound(f"no delivery {record_id}")
        if row.status == DeliveryStatus.SENT:
            raise InputError(f"delivery {record_id} was sent already")
        if not deliveries.take(
            session, row, now=self.clock(), stale_after=self.stale_after, from_dead=True
        ):
            raise InputError(f"delivery {record_id} is being sent by another dispatcher")
        return self._send(session, row, SupervisionNotice.from_dict(row.notice), channel_of(row))

    def _send(
        self,
        session: Session,
        row: NotifyDelivery,
        notice: SupervisionNotice,
        channel: ChannelConfig,
    ) -> DeliveryResult:
        transport = self.transports.get(channel.kind)
        started = self.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                if transport is None:
                    raise DeliveryError(f"no transport for {channel.kind}", retryable=False)
                transport.send(notice, channel, delivery_id=row.delivery_id, now=self.clock())
            except Exception as exc:
                error = exc if isinstance(exc, DeliveryError) else unexpected(exc)
            else:
                deliveries.record_sent(session, row, now=self.clock())
                return result_of(row, skipped=False)
            delay = (
                self.policy.next_delay(
                    attempt, elapsed=self.monotonic() - started, retry_after=error.retry_after
                )
                if error.retryable
                else None
            )
            deliveries.record_failure(
                session, row, str(error), dead=delay is None, now=self.clock()
            )
            if delay is None:
                logger.error(
                    "notice %s to %s %s: dead after %d attempts: %s",
                    notice.notice_id,
                    channel.kind,
                    channel.target,
                    row.attempts,
                    error,
                )
                return result_of(row, skipped=False)
            self.sleep(delay)


def unexpected(exc: Exception) -> DeliveryError:
    logger.exception("transport error")
    return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=False)


def channel_of(row: NotifyDelivery) -> ChannelConfig:
    """The channel a delivery record goes to."""
    return ChannelConfig(
        kind=ChannelKind(row.channel),
        target=row.target,
        secret_env=row.secret_env,
        lang=row.lang,
    )


def result_of(row: NotifyDelivery, *, skipped: bool) -> DeliveryResult:
    return DeliveryResult(
        channel=ChannelKind(row.channel),
        target=row.target,
        delivery_id=row.delivery_id,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        error=row.last_error,
        skipped=skipped,
        record_id=row.id,
    )
