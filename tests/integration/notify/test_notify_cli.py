"""`onething notifications dead-letters` and `retry`, on a real database and a real receiver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from typer.testing import CliRunner

from engine.cli.notify_cmd import app
from engine.notify.channels import ChannelConfig, ChannelKind
from engine.notify.dispatch import DeliveryResult, Dispatcher
from engine.notify.notice import SupervisionNotice
from engine.notify.tables import DeliveryStatus
from engine.settings import SQLITE_FILE
from engine.store import get_engine
from tests.fixtures.loopback import FAST, SECRET, SECRET_ENV, Receiver

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def notify_db(store_url: str) -> sa.Engine:
    """The store the commands use: migrated, as every command's is."""
    return get_engine(store_url)


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


def test_a_new_database_is_migrated_like_every_command_s(tmp_path: Path) -> None:
    env = {"ONETHING_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    result = CliRunner().invoke(app, ["dead-letters"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "no dead letters"


def test_dead_letters_are_read_from_the_data_directory(
    tmp_path: Path, dispatcher: Dispatcher, receiver: Receiver, notice: SupervisionNotice
) -> None:
    """Without ONETHING_DATABASE_URL the store is the SQLite file in ONETHING_DATA_DIR, for
    `notifications` as for `case` (not .onething/ in the working directory)."""
    data = tmp_path / "data"
    receiver.answer(*[500] * FAST.max_attempts)
    dead, _ = dead_letter(
        get_engine(f"sqlite:///{data / SQLITE_FILE}"), dispatcher, receiver, notice
    )
    env = {"ONETHING_DATA_DIR": str(data), "ONETHING_DATABASE_URL": ""}
    listed = CliRunner().invoke(app, ["dead-letters", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert [row["id"] for row in json.loads(listed.output)] == [dead.record_id]


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
