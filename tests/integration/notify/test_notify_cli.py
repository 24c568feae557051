"""`onething notifications dead-letters` and `retry`, on a real database and a real receiver."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from typer.testing import CliRunner

from engine.cli.notify_cmd import app
from engine.notify.channels import ChannelConfig, ChannelKind
from engine.notify.dispatch import DeliveryResult, Dispatcher
from engine.notify.notice import SupervisionNotice
from engine.notify.tables import DeliveryStatus
from tests.fixtures.loopback import FAST, SECRET, SECRET_ENV, Receiver

pytestmark = pytest.mark.timeout(30)


def test_dead_letter_is_listed_then_retried_and_gone(
    notify_db: sa.Engine, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    receiver.answer(*[500] * FAST.max_attempts)
    dead, env = dead_letter(notify_db, dispatcher, receiver, notice)
    runner = CliRunner()

    listed = runner.invoke(app, ["dead-letters", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["id"], row["status"], row["attempts"]) == (dead.record_id, "dead", 4)
    assert row["target"] == receiver.url and row["last_error"].startswith("HTTP 500")
    assert str(dead.record_id) in runner.invoke(app, ["dead-letters"], env=env).output

    retried = runner.invoke(app, ["retry", str(dead.record_id)], env=env)
    assert retried.exit_code == 0, retried.output
    assert f"delivery {dead.record_id} sent to {receiver.url}" in retried.output
    assert len(receiver.accepted) == 1
    assert runner.invoke(app, ["dead-letters"], env=env).output.strip() == "no dead letters"

    again = runner.invoke(app, ["retry", str(dead.record_id)], env=env)
    assert again.exit_code == 2
    assert "was sent already" in again.output


def test_retry_that_fails_again_exits_1(
    notify_db: sa.Engine, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    receiver.answer(400, 400)
    dead, env = dead_letter(notify_db, dispatcher, receiver, notice)
    result = CliRunner().invoke(app, ["retry", str(dead.record_id)], env=env)
    assert result.exit_code == 1
    assert "failed again: HTTP 400" in result.output


def test_database_without_the_table_is_one_line_not_a_traceback(tmp_path: object) -> None:
    env = {"ONETHING_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    result = CliRunner().invoke(app, ["dead-letters"], env=env)
    assert result.exit_code == 2
    assert "no such table: notify_delivery" in result.output


def dead_letter(
    notify_db: sa.Engine, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> tuple[DeliveryResult, dict[str, str]]:
    """Send `notice` to the receiver as scripted, and the CLI's environment for that database."""
    channel = ChannelConfig(ChannelKind.WEBHOOK, receiver.url, secret_env=SECRET_ENV)
    with Session(notify_db) as session:
        [result] = dispatcher.dispatch(session, notice, [channel])
    assert result.status is DeliveryStatus.DEAD
    url = notify_db.url.render_as_string(hide_password=False)
    return result, {"ONETHING_DATABASE_URL": url, SECRET_ENV: SECRET}
