"""Notices arrive over real SMTP and HTTP on loopback, once, and failures end as dead letters."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import deque

import pytest
from sqlmodel import Session

from engine.errors import InputError
from engine.notify import deliveries
from engine.notify.channels import ChannelConfig, ChannelKind
from engine.notify.dispatch import Dispatcher
from engine.notify.notice import SupervisionNotice
from engine.notify.tables import DeliveryStatus
from tests.fixtures.loopback import (
    FAST,
    SECRET,
    SECRET_ENV,
    Mailbox,
    Receiver,
    free_port,
    transports,
)

pytestmark = pytest.mark.timeout(30)

MAIL = ChannelConfig(ChannelKind.EMAIL, "duban@example.gov.cn")


def hook(receiver: Receiver, **changes: str) -> ChannelConfig:
    return ChannelConfig(ChannelKind.WEBHOOK, receiver.url, secret_env=SECRET_ENV, **changes)


def test_email_arrives_in_chinese_with_case_step_due_time_and_remaining_working_time(
    session: Session, dispatcher: Dispatcher, smtp: Mailbox, notice: SupervisionNotice
) -> None:
    [result] = dispatcher.dispatch(session, notice, [MAIL])
    assert (result.status, result.attempts, result.skipped) == (DeliveryStatus.SENT, 1, False)
    [mail] = smtp.messages
    assert mail["Subject"] == "【黄牌预警】网约车双证联办 · 驾驶员证审核 · C-2026-0007"
    assert mail["To"] == "duban@example.gov.cn"
    assert mail["From"] == "jiancha@example.gov.cn"
    assert mail["Message-ID"] == f"<{result.delivery_id}@onething>"
    body = mail.get_content()
    for line in (
        "案件编号：C-2026-0007",
        "环节：驾驶员证审核（driver-review）",
        "办理期限：2026年10月13日 17:30（UTC+08:00）",
        "剩余时间：1个工作日（工作时间7小时）",
    ):
        assert line in body


def test_webhook_arrives_signed_and_the_signature_verifies_with_the_secret(
    session: Session, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    before = int(time.time())
    [result] = dispatcher.dispatch(session, notice, [hook(receiver)])
    assert result.ok
    [request] = receiver.requests
    timestamp = request.headers["X-Onething-Timestamp"]
    assert before <= int(timestamp) <= time.time()
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["X-Onething-Signature"] == "sha256=" + expected.hexdigest()
    assert request.headers["X-Onething-Delivery"] == result.delivery_id
    payload = json.loads(request.body)
    assert payload["delivery_id"] == result.delivery_id
    assert payload["notice"]["case_id"] == "C-2026-0007"
    assert payload["notice"]["remaining"] == {"days": 1, "minutes": 420}
    assert "剩余时间：1个工作日（工作时间7小时）" in payload["text"]


def test_receiver_failing_twice_gets_the_notice_once_after_retries(
    session: Session, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    receiver.answer(500, 500)
    [result] = dispatcher.dispatch(session, notice, [hook(receiver)])
    assert (result.status, result.attempts) == (DeliveryStatus.SENT, 3)
    assert [r.status for r in receiver.requests] == [500, 500, 200]
    assert len(receiver.accepted) == 1
    assert {r.headers["X-Onething-Delivery"] for r in receiver.requests} == {result.delivery_id}


def test_rate_limited_receiver_is_retried(
    session: Session, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    receiver.answer(429, headers={"Retry-After": "0"})
    [result] = dispatcher.dispatch(session, notice, [hook(receiver)])
    assert (result.status, result.attempts) == (DeliveryStatus.SENT, 2)


def test_receiver_that_always_fails_ends_in_the_dead_letters_after_n_attempts(
    session: Session, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    receiver.answer(*[503] * 10)
    [result] = dispatcher.dispatch(session, notice, [hook(receiver)])
    assert (result.status, result.attempts) == (DeliveryStatus.DEAD, FAST.max_attempts)
    assert len(receiver.requests) == FAST.max_attempts
    [dead] = deliveries.dead_letters(session)
    assert (dead.id, dead.notice_id, dead.target) == (
        result.record_id,
        notice.notice_id,
        receiver.url,
    )
    assert dead.last_error is not None and dead.last_error.startswith("HTTP 503")


def test_client_error_is_final_at_once(
    session: Session, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    receiver.answer(400)
    [result] = dispatcher.dispatch(session, notice, [hook(receiver)])
    assert (result.status, result.attempts) == (DeliveryStatus.DEAD, 1)


def test_total_time_bounds_the_retries(
    session: Session, smtp: Mailbox, receiver: Receiver, notice: SupervisionNotice
) -> None:
    receiver.answer(*[500] * 10)
    ticks = iter(range(0, 1000, 3))  # each reading of the monotonic clock is 3 s later
    slow = Dispatcher(
        transports=transports(smtp_port=smtp.port),
        policy=FAST.__class__(max_attempts=10, base_delay=0.001, total_seconds=5),
        monotonic=lambda: float(next(ticks)),
    )
    [result] = slow.dispatch(session, notice, [hook(receiver)])
    assert result.status is DeliveryStatus.DEAD
    assert result.attempts == 2  # 0 s start, 3 s after the first, 6 s > 5 s after the second


def test_missing_webhook_secret_is_a_dead_letter_not_an_unsigned_post(
    session: Session, smtp: Mailbox, receiver: Receiver, notice: SupervisionNotice
) -> None:
    unconfigured = Dispatcher(transports=transports(smtp_port=smtp.port, environ={}), policy=FAST)
    [result] = unconfigured.dispatch(session, notice, [hook(receiver)])
    assert (result.status, result.attempts) == (DeliveryStatus.DEAD, 1)
    assert result.error == f"secret env {SECRET_ENV} is not set"
    assert receiver.requests == []


def test_smtp_server_down_does_not_raise_and_is_recorded_while_other_channels_arrive(
    session: Session, receiver: Receiver, notice: SupervisionNotice
) -> None:
    nobody_listens = Dispatcher(transports=transports(smtp_port=free_port()), policy=FAST)
    mail, web = nobody_listens.dispatch(session, notice, [MAIL, hook(receiver)])
    assert (mail.status, mail.attempts) == (DeliveryStatus.DEAD, FAST.max_attempts)
    assert mail.error is not None and "ConnectionRefusedError" in mail.error
    assert web.ok and len(receiver.accepted) == 1
    [dead] = deliveries.dead_letters(session)
    assert dead.channel == "email" and dead.attempts == FAST.max_attempts


def test_mailbox_busy_is_retried_and_unknown_mailbox_is_final(
    session: Session, dispatcher: Dispatcher, smtp: Mailbox, notice: SupervisionNotice
) -> None:
    smtp.refuse["busy@example.gov.cn"] = deque_of("451 4.3.0 try again later")
    smtp.refuse["gone@example.gov.cn"] = deque_of("550 5.1.1 no such user")
    busy, gone = dispatcher.dispatch(
        session,
        notice,
        [
            ChannelConfig(ChannelKind.EMAIL, "busy@example.gov.cn"),
            ChannelConfig(ChannelKind.EMAIL, "gone@example.gov.cn"),
        ],
    )
    assert (busy.status, busy.attempts) == (DeliveryStatus.SENT, 2)
    assert (gone.status, gone.attempts) == (DeliveryStatus.DEAD, 1)
    assert [m["To"] for m in smtp.messages] == ["busy@example.gov.cn"]


def test_dispatching_the_same_notice_again_delivers_nothing_twice(
    session: Session,
    dispatcher: Dispatcher,
    smtp: Mailbox,
    receiver: Receiver,
    notice: SupervisionNotice,
) -> None:
    channels = [MAIL, hook(receiver), ChannelConfig(ChannelKind.LOG)]
    first = dispatcher.dispatch(session, notice, channels)
    again = dispatcher.dispatch(session, notice, channels + [MAIL])
    assert [r.ok for r in first] == [True, True, True]
    assert [(r.ok, r.skipped) for r in again] == [(True, True)] * 3
    assert [r.delivery_id for r in again] == [r.delivery_id for r in first]
    assert len(smtp.messages) == 1 and len(receiver.requests) == 1


def test_english_channel_gets_english_text(
    session: Session, dispatcher: Dispatcher, smtp: Mailbox, notice: SupervisionNotice
) -> None:
    dispatcher.dispatch(
        session, notice, [ChannelConfig(ChannelKind.EMAIL, "en@example.cn", lang="en")]
    )
    [mail] = smtp.messages
    assert mail["Subject"].startswith("[Yellow warning] ")
    assert "Remaining: 1 working day (7 h of working time)" in mail.get_content()


def test_log_channel_writes_one_line(
    session: Session,
    dispatcher: Dispatcher,
    notice: SupervisionNotice,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="onething.notify"):
        [result] = dispatcher.dispatch(session, notice, [ChannelConfig(ChannelKind.LOG)])
    assert result.ok
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("【黄牌预警】网约车双证联办") and "剩余时间：1个工作日" in line
    assert "\n" not in line


def test_retrying_a_dead_letter_sends_it_and_takes_it_off_the_list(
    session: Session, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    receiver.answer(*[500] * FAST.max_attempts)
    [dead] = dispatcher.dispatch(session, notice, [hook(receiver)])
    assert dead.record_id is not None and dead.status is DeliveryStatus.DEAD
    result = dispatcher.retry(session, dead.record_id)
    assert (result.status, result.attempts) == (DeliveryStatus.SENT, FAST.max_attempts + 1)
    assert deliveries.dead_letters(session) == []
    assert json.loads(receiver.accepted[0].body)["notice"] == notice.to_dict()
    with pytest.raises(InputError, match="sent already"):
        dispatcher.retry(session, dead.record_id)
    with pytest.raises(InputError, match="no delivery 999"):
        dispatcher.retry(session, 999)


def test_a_broken_database_does_not_raise_to_the_caller(
    dispatcher: Dispatcher,
    smtp: Mailbox,
    notice: SupervisionNotice,
    tmp_path: pytest.TempPathFactory,
) -> None:
    import sqlalchemy as sa

    no_tables = sa.create_engine(f"sqlite:///{tmp_path}/empty.db")
    with Session(no_tables) as broken:
        [result] = dispatcher.dispatch(broken, notice, [MAIL])
    assert result.status is None and result.error is not None
    assert "no such table" in result.error
    assert smtp.messages == []


def deque_of(*replies: str) -> deque[str]:
    return deque(replies)
