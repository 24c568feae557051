"""The settings: read from ONETHING_*, typed, and a wrong one is one line naming it at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.main import app
from engine.settings import SQLITE_FILE, Settings, SettingsError, read_settings


def test_defaults_when_nothing_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ONETHING_DATABASE_URL", "postgresql+psycopg://elsewhere/db")
    settings = read_settings({})  # a given mapping alone: the process environment is not read
    defaults = {
        name: field.get_default(call_default_factory=True)
        for name, field in Settings.model_fields.items()
    }
    assert settings.model_dump() == defaults
    assert settings.definitions == Path("definitions")
    assert (settings.connector_retries, settings.sweep_seconds) == (3, 60.0)
    assert settings.store_url() == f"sqlite:///{tmp_path.resolve() / '.onething' / SQLITE_FILE}"


def test_every_variable_is_read_and_typed(tmp_path: Path) -> None:
    settings = read_settings(
        {
            "ONETHING_DATABASE_URL": "postgresql+psycopg://u@db.example.gov.cn/onething",
            "ONETHING_DATA_DIR": str(tmp_path),
            "ONETHING_DEFINITIONS": "/srv/definitions",
            "ONETHING_SERVICE_FACTORY": "tests.e2e.prefect.app:service",
            "ONETHING_SWEEP_SECONDS": "15",
            "ONETHING_CONNECTOR_RETRIES": "0",
            "ONETHING_CONNECTOR_BACKOFF": "0.5",
            "ONETHING_CONNECTOR_TIMEOUT": "3",
            "ONETHING_SMTP_STARTTLS": "yes",
            "PATH": "/usr/bin",  # not ours: ignored
        }
    )
    assert settings.store_url() == "postgresql+psycopg://u@db.example.gov.cn/onething"
    assert settings.definitions == Path("/srv/definitions")
    assert settings.service_factory == "tests.e2e.prefect.app:service"
    assert (settings.sweep_seconds, settings.connector_retries) == (15.0, 0)
    assert (settings.connector_backoff, settings.connector_timeout) == (0.5, 3.0)
    assert settings.smtp_starttls is True


def test_the_data_directory_holds_the_sqlite_store(tmp_path: Path) -> None:
    settings = read_settings({"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""})
    assert settings.store_url() == f"sqlite:///{tmp_path.resolve() / SQLITE_FILE}"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("ONETHING_DATABASE_URL", "postgres//nohost", "not a database URL"),
        ("ONETHING_DATABASE_URL", "oracle://x/y", "not a database URL"),
        ("ONETHING_DATABASE_URL", "postgresql://x/y", "postgresql+psycopg://"),  # no psycopg2
        ("ONETHING_CONNECTOR_RETRIES", "three", "valid integer"),
        ("ONETHING_CONNECTOR_TIMEOUT", "0", "greater than 0"),
        ("ONETHING_SWEEP_SECONDS", "-1", "greater than 0"),
        ("ONETHING_SMTP_PORT", "twenty-five", "valid integer"),
        ("ONETHING_SERVICE_FACTORY", "tests.e2e.prefect.app", "pattern"),
    ],
)
def test_a_wrong_value_names_its_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError) as raised:
        read_settings({name: value})
    message = str(raised.value)
    assert message.startswith(f"{name}={value!r}: ") and says in message
    assert "\n" not in message


def test_the_cli_stops_at_start_with_one_line_and_exit_2() -> None:
    env = {"ONETHING_DATABASE_URL": "nope://x"}
    result = CliRunner().invoke(app, ["calendar", "add", "2026-10-08", "1"], env=env)
    assert result.exit_code == 2
    assert result.output.startswith("onething: ONETHING_DATABASE_URL='nope://x': ")
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_the_cli_runs_with_good_settings() -> None:
    result = CliRunner().invoke(app, ["calendar", "add", "2026-09-30", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2026-10-08"  # the National Day week is not counted


def test_settings_stay_hashable_with_registry_urls() -> None:
    # the bootstrap builds one case service per settings: a dict field made every command fail
    urls = '{"enterprises": "http://127.0.0.1:9/"}'
    settings = read_settings({"ONETHING_REGISTRY_URLS": urls})
    assert dict(settings.registry_urls) == {"enterprises": "http://127.0.0.1:9/"}
    assert hash(settings) == hash(read_settings({"ONETHING_REGISTRY_URLS": urls}))
