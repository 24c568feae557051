"""A sweep whose mail server is dead does not stall: the escalations commit first, delivery
runs after with a bounded time (one attempt per notice, a server found down not tried again in
the round), and every failed delivery stays recorded for a retry."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import Session, func, select

from engine.cases.service import CaseService
from engine.cases.tables import EscalationRow
from engine.escalation.sweep import Supervision
from engine.notify.dispatch import Dispatcher
from engine.notify.tables import DeliveryStatus, NotifyDelivery
from tests.fixtures.loopback import FAST, Mailbox, Receiver, free_port, transports
from tests.fixtures.supervision import MUNICIPAL_HEAD_MAIL, at, catalogue

CASES = 20  # municipal's yellow and red go to its head by mail: 40 mailed levels


@pytest.fixture(params=["silent", "refusing"])
def dead_mail_port(request: pytest.FixtureRequest) -> Iterator[int]:
    """A loopback port whose server accepts connections and never answers, or nothing
    listening (the connection refused)."""
    if request.param == "refusing":
        yield free_port()
        return
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)  # the kernel completes the handshake; nobody ever reads or writes
        yield int(listener.getsockname()[1])


def test_sweep_with_dead_smtp_does_not_stall(
    service: CaseService,
    accepted: Callable[[], str],
    receiver: Receiver,
    dead_mail_port: int,
    frozen: Any,
) -> None:
    supervision = Supervision(
        service,
        catalogue=catalogue(receiver.url),
        dispatcher=Dispatcher(transports=transports(smtp_port=dead_mail_port), policy=FAST),
    )
    cases = [accepted() for _ in range(CASES)]

    report = supervision.sweep(at=at(10, 12))  # municipal and traffic overdue, supervision told

    mailed = [f for f in report.fired if any(c.target == MUNICIPAL_HEAD_MAIL for c in f.channels)]
    assert len(mailed) == 2 * CASES
    with Session(service.engine) as session:
        fired = session.execute(select(func.count()).select_from(EscalationRow)).scalar_one()
        mails = session.execute(
            select(NotifyDelivery).where(NotifyDelivery.target == MUNICIPAL_HEAD_MAIL)
        ).scalars()
        statuses = sorted((row.status, row.attempts) for row in mails)
    assert fired == len(report.fired)  # every level committed though nothing was mailed
    # kept for a retry; the server was tried once, and only that send used up an attempt
    failed = DeliveryStatus.FAILED.value
    assert statuses == [(failed, 0)] * (len(mailed) - 1) + [(failed, 1)]
    assert {f.case_id for f in mailed} == set(cases)
    assert len(receiver.accepted) > 0  # the webhook channel is not held up by the mail server


def test_sweep_round_writes_delivery_records_in_two_commits_and_tries_a_dead_server_once(
    service: CaseService,
    accepted: Callable[[], str],
    receiver: Receiver,
    dead_mail_port: int,
    frozen: Any,
) -> None:
    """The round claims every record in one transaction and writes every outcome in another
    (not two commits per notice), and the dead mail server costs one attempt per sweep."""
    supervision = Supervision(
        service,
        catalogue=catalogue(receiver.url),
        dispatcher=Dispatcher(transports=transports(smtp_port=dead_mail_port), policy=FAST),
    )
    for _ in range(CASES):
        accepted()
    commits: list[object] = []
    count = commits.append
    sa.event.listen(service.engine, "commit", count)
    try:
        report = supervision.sweep(at=at(10, 12))
    finally:
        sa.event.remove(service.engine, "commit", count)
    delivered = sum(len(f.deliveries) for f in report.fired)
    assert delivered > 4 * CASES  # mails, webhooks and log lines of every level
    assert len(commits) < 12  # the sweep's batch, its lapses, and the round's two
    with Session(service.engine) as session:
        mails = session.execute(
            select(NotifyDelivery.last_error).where(NotifyDelivery.target == MUNICIPAL_HEAD_MAIL)
        ).scalars()
        errors = list(mails)
    tried = [e for e in errors if "unreachable" not in (e or "")]
    assert len(tried) == 1  # one attempt at the dead server; the rest wait for a retry


def test_the_next_sweep_delivers_what_a_receiver_down_in_the_last_one_missed(
    service: CaseService,
    accepted: Callable[[], str],
    receiver: Receiver,
    frozen: Any,
) -> None:
    """Mail server and webhook receiver down during one sweep, up for the next: the next
    sweep sends every failed notice again, with no operator's retry, and each arrives once."""
    mail_port = free_port()  # nothing listens there yet: the connection refused
    supervision = Supervision(
        service,
        catalogue=catalogue(receiver.url),
        dispatcher=Dispatcher(transports=transports(smtp_port=mail_port), policy=FAST),
    )
    for _ in range(CASES):
        accepted()
    receiver.answer(503)  # the receiver's first answer: unavailable
    supervision.sweep(at=at(10, 12))
    mails, hooks = statuses(service, "email"), statuses(service, "webhook")
    assert len(mails) == 2 * CASES and set(mails) == {DeliveryStatus.FAILED.value}
    assert hooks and set(hooks) == {DeliveryStatus.FAILED.value}
    assert len(receiver.requests) == 1  # found down at once: the rest wait for the next sweep

    mailbox = Mailbox(port=mail_port)
    controller = Controller(mailbox, hostname="127.0.0.1", port=mail_port)
    controller.start()
    try:
        frozen.tick(60)  # the next sweep, a minute later, past the wait before a retry
        report = supervision.sweep(at=at(10, 12))
    finally:
        controller.stop()
    assert report.levels == 0  # nothing more fired: the sweep only sent what had failed
    assert set(statuses(service, "email")) == set(statuses(service, "webhook")) == {"sent"}
    assert len(mailbox.messages) == len(mails)
    assert len(receiver.accepted) == len(hooks)


def test_an_outage_longer_than_the_attempts_spends_only_the_notices_tried(
    service: CaseService, accepted: Callable[[], str], receiver: Receiver, frozen: Any
) -> None:
    """The mail server down for more sweeps than a notice has attempts: each sweep tries one
    notice and skips the rest, so only the ones tried go to the dead letters; once the server
    is back, the next sweep mails every other notice."""
    mail_port = free_port()
    supervision = Supervision(
        service,
        catalogue=catalogue(receiver.url),
        dispatcher=Dispatcher(transports=transports(smtp_port=mail_port), policy=FAST),
    )
    for _ in range(CASES):
        accepted()
    outage = FAST.max_attempts + 2
    for _ in range(outage):
        supervision.sweep(at=at(10, 12))
        frozen.tick(60)
    mails = statuses(service, "email")
    dead = mails.count(DeliveryStatus.DEAD.value)
    assert 1 <= dead <= outage // FAST.max_attempts + 1  # one tried a sweep, dead after its last
    mailbox = Mailbox(port=mail_port)
    controller = Controller(mailbox, hostname="127.0.0.1", port=mail_port)
    controller.start()
    try:
        supervision.sweep(at=at(10, 12))
    finally:
        controller.stop()
    assert sorted(set(statuses(service, "email"))) == ["dead", "sent"]
    assert len(mailbox.messages) == len(mails) - dead


def statuses(service: CaseService, channel: str) -> list[str]:
    """The status of every delivery record over `channel`."""
    with Session(service.engine) as session:
        query = select(NotifyDelivery.status).where(NotifyDelivery.channel == channel)
        return list(session.execute(query).scalars())
