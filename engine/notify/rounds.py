"""A round of deliveries after one commit (a sweep's), in bounded time whatever the receivers do.

Every record is claimed in one transaction; the sends run in parallel, one worker per endpoint
(the mail server, each webhook host, the log), one attempt each; once an endpoint fails for a
reason that may pass (refused, silent, timed out) the rest of the round's notices to it are not
tried; a send not started within the round's time (`RetryPolicy.total_seconds`) waits for the
next round; and every outcome is written in one transaction. A failed record is sent again by
a later round (`deliver_unsent`, each sweep) once its wait is over, until its attempts are used
up (`RetryPolicy.max_attempts`); then, or on a final error, it goes to the dead letters (`notify
retry`). So a dead mail server costs one timeout per sweep, not one per notice, and two commits
in all, not two per notice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import Session

from engine.notify import deliveries
from engine.notify.channels import ChannelConfig, ChannelKind, delivery_id
from engine.notify.dispatch import DeliveryResult, Dispatcher, channel_of, result_of, unexpected
from engine.notify.errors import DeliveryError
from engine.notify.notice import SupervisionNotice
from engine.notify.tables import DeliveryStatus, NotifyDelivery

logger = logging.getLogger("onething.notify")

WORKERS = 8  # endpoints served at once
UNSENT = 500  # the most records one round takes up again (`deliver_unsent`)
Wanted = tuple[SupervisionNotice, Sequence[ChannelConfig]]
Send = tuple[int, SupervisionNotice, ChannelConfig, NotifyDelivery]  # (index, …) of one send


def endpoint(channel: ChannelConfig) -> str:
    """Where a channel's sends go: one mail server, a webhook's host, the log."""
    if channel.kind is ChannelKind.WEBHOOK:
        return f"webhook:{urlsplit(channel.target).netloc}"
    return channel.kind.value


def deliver_round(
    dispatcher: Dispatcher,
    engine: Engine,
    wanted: Sequence[Wanted],
    *,
    down: set[str] | None = None,
) -> list[list[DeliveryResult]]:
    """Deliver each notice of `wanted` to its channels, in one round; the results, notice by
    notice. `down`: the endpoints found down by earlier rounds of the same sweep, not tried
    again (and those found down now are added). Never raises: a database failure is logged
    and the notices stay undelivered."""
    down = set() if down is None else down
    pairs = [
        (notice, channel) for notice, channels in wanted for channel in dict.fromkeys(channels)
    ]
    owner = [i for i, (_, channels) in enumerate(wanted) for _ in dict.fromkeys(channels)]
    found: list[list[DeliveryResult]] = [[] for _ in wanted]
    if not pairs:
        return found
    try:
        with Session(engine, expire_on_commit=False) as session:
            results = _round(dispatcher, session, pairs, down)
    except Exception as exc:  # the database or a bug: never the sweep's problem
        logger.exception("a round of %d deliveries: not delivered", len(pairs))
        results = [_unrecorded(notice, channel, exc) for notice, channel in pairs]
    for index, result in zip(owner, results, strict=True):
        found[index].append(result)
    return found


def _round(
    dispatcher: Dispatcher,
    session: Session,
    pairs: list[tuple[SupervisionNotice, ChannelConfig]],
    down: set[str],
) -> list[DeliveryResult]:
    claims = deliveries.claim_many(
        session, pairs, now=dispatcher.clock(), stale_after=dispatcher.stale_after
    )
    sends = [
        (index, notice, channel, row)
        for index, ((notice, channel), (row, mine)) in enumerate(zip(pairs, claims, strict=True))
        if mine
    ]
    _send_all(dispatcher, session, sends, down)
    return [result_of(row, skipped=not mine) for row, mine in claims]


def deliver_unsent(
    dispatcher: Dispatcher, engine: Engine, *, down: set[str], limit: int = UNSENT
) -> int:
    """Send again, in one round, at most `limit` records left unsent (`deliveries.unsent`:
    queued by a sweep killed before its round, failed and due for another attempt, pending
    and gone stale), each taken by compare-and-set so that two dispatchers never both send
    it; how many were taken. Never raises."""
    try:
        with Session(engine, expire_on_commit=False) as session:
            rows = deliveries.unsent(
                session,
                now=dispatcher.clock(),
                policy=dispatcher.policy,
                stale_after=dispatcher.stale_after,
                limit=limit,
            )
            taken = deliveries.take_many(
                session, rows, now=dispatcher.clock(), stale_after=dispatcher.stale_after
            )
            sends = [
                (index, SupervisionNotice.from_dict(row.notice), channel_of(row), row)
                for index, (row, mine) in enumerate(zip(rows, taken, strict=True))
                if mine
            ]
            _send_all(dispatcher, session, sends, down)
    except Exception:  # the database or a bug: never the sweep's problem
        logger.exception("a round of unsent deliveries: not delivered")
        return 0
    return len(sends)


def _send_all(dispatcher: Dispatcher, session: Session, sends: list[Send], down: set[str]) -> None:
    """Serve the taken `sends`, one worker per endpoint, and record every outcome at once."""
    by_endpoint: dict[str, list[Send]] = defaultdict(list)
    for send in sends:
        by_endpoint[endpoint(send[2])].append(send)
    deadline = dispatcher.monotonic() + dispatcher.policy.total_seconds
    outcomes: list[deliveries.Outcome] = []
    if by_endpoint:
        workers = min(WORKERS, len(by_endpoint))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify") as pool:
            runs = {
                where: pool.submit(_serve, dispatcher, sends, deadline, where in down)
                for where, sends in by_endpoint.items()
            }
            for where, run in runs.items():
                served, found_down = run.result()
                outcomes += served
                if found_down:
                    down.add(where)
    deliveries.record_many(session, outcomes, now=dispatcher.clock())


def _serve(
    dispatcher: Dispatcher, sends: list[Send], deadline: float, known_down: bool
) -> tuple[list[deliveries.Outcome], bool]:
    """One endpoint's sends in order, one attempt each, until it is found down or the round's
    time is up (what was not tried waits, its attempts kept, for a later round; one tried is
    dead once its attempts are used up); and whether it is down. So a long outage uses up
    the attempts of the one notice each sweep tries, not of all the others waiting."""
    outcomes: list[deliveries.Outcome] = []
    where = endpoint(sends[0][2])
    skip = f"{where} found unreachable earlier in this sweep" if known_down else None
    found_down = known_down
    for _, notice, channel, row in sends:
        if skip is None and dispatcher.monotonic() > deadline:
            skip = "the round's time ran out"
        if skip is not None:
            outcomes.append((row, DeliveryStatus.FAILED, skip, False))  # its attempts kept
            continue
        try:
            transport = dispatcher.transports.get(channel.kind)
            if transport is None:
                raise DeliveryError(f"no transport for {channel.kind}", retryable=False)
            transport.send(notice, channel, delivery_id=row.delivery_id, now=dispatcher.clock())
        except Exception as exc:
            error = exc if isinstance(exc, DeliveryError) else unexpected(exc)
            if error.retryable:  # down for now: the rest of the round waits for a retry
                found_down, skip = True, f"{where} unreachable in this round ({error})"
            level = logging.WARNING if error.retryable else logging.ERROR
            logger.log(level, "notice %s to %s: %s", notice.notice_id, channel.target, error)
            status = _failed(dispatcher, row) if error.retryable else DeliveryStatus.DEAD
            outcomes.append((row, status, str(error), True))
        else:
            outcomes.append((row, DeliveryStatus.SENT, None, True))
    return outcomes, found_down


def _failed(dispatcher: Dispatcher, row: NotifyDelivery) -> DeliveryStatus:
    """A record's status after one more failed attempt: dead once it was the last."""
    last = row.attempts + 1 >= dispatcher.policy.max_attempts
    return DeliveryStatus.DEAD if last else DeliveryStatus.FAILED


def _unrecorded(
    notice: SupervisionNotice, channel: ChannelConfig, exc: Exception
) -> DeliveryResult:
    return DeliveryResult(
        channel=channel.kind,
        target=channel.target,
        delivery_id=delivery_id(notice.notice_id, channel),
        status=None,
        error=f"{type(exc).__name__}: {exc}",
    )
