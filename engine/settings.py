"""The settings of a onething process: one typed class over the `ONETHING_*` environment, read
once at start by the bootstrap. A missing or wrong value is one `SettingsError` line that names
the variable; the database URL is parsed (and its driver found) here, not at first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from engine.errors import InputError

PREFIX = "ONETHING_"
SQLITE_FILE = "onething.db"
# The stores onething runs on, with the drivers it ships (pyproject): checked without loading
# SQLAlchemy, which the calendar commands never import.
DATABASE_URL = re.compile(r"^(sqlite(\+pysqlite)?:///.*|postgresql\+psycopg://.+)$")


class SettingsError(InputError):
    """A setting that is missing or wrong: the process cannot start."""


class Settings(BaseSettings):
    """Every `ONETHING_*` setting (README, "Settings"); an empty variable counts as unset."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    database_url: str | None = Field(None, description="the store (PostgreSQL in production)")
    data_dir: Path = Field(Path(".onething"), description="SQLite store and Prefect home")
    definitions: Path = Field(Path("definitions"), description="the definitions folder")
    service_factory: str | None = Field(
        None, pattern=r"^[\w.]+:\w+$", description="`package.module:function` → CaseService"
    )
    sweep_seconds: float = Field(60.0, gt=0, description="supervision sweep interval in serve")
    connector_retries: int = Field(3, ge=0, description="a connector's retries before an incident")
    connector_backoff: float = Field(2.0, ge=0, description="first retry delay (s), doubling")
    connector_timeout: float = Field(10.0, gt=0, description="seconds a connector may take")
    lookup_timeout: float = Field(3.0, gt=0, description="seconds a material's source may take")
    registry_urls: tuple[tuple[str, str], ...] = Field(
        (), description='registries over HTTP: {"<id>": "https://…"} (JSON)'
    )
    local_registries: bool = Field(
        True,
        description="load the shipped registries' local records (registries/ of the definitions) "
        "into the store for every registry without a URL",
    )
    audit_key: str | None = Field(None, description="signs audit checkpoints; never stored")
    checkpoint_minutes: float = Field(
        60.0, gt=0, description="signed audit checkpoint interval in serve (with the audit key)"
    )
    checkpoint_dir: Path | None = Field(
        None, description="where checkpoints are exported (default: <data dir>/checkpoints)"
    )
    draw_key: str | None = Field(
        None,
        pattern=r"^[0-9a-fA-F]{64}$",
        description="seals inspection draws (AES-256-GCM, 64 hex digits); never stored",
    )
    smtp_host: str = "localhost"
    smtp_port: int = Field(25, gt=0, lt=65536)
    smtp_from: str = "onething@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = Field(10.0, gt=0)

    @field_validator("registry_urls", mode="before")
    @classmethod
    def _registry_pairs(cls, urls: Any) -> Any:
        """The JSON object as sorted pairs: settings stay hashable (the bootstrap keys on them)."""
        if isinstance(urls, str):
            try:
                urls = json.loads(urls)
            except ValueError:
                raise ValueError("not a JSON object of registry ids to URLs") from None
        if isinstance(urls, dict):
            return tuple(sorted(urls.items()))
        return urls

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if not DATABASE_URL.match(url.strip()):
            raise ValueError(
                "not a database URL onething can use "
                "(postgresql+psycopg://user@host/db or sqlite:///path)"
            )
        return url.strip()

    def checkpoints(self) -> Path:
        """The folder signed checkpoints are exported to, outside the database."""
        return self.checkpoint_dir or self.data_dir / "checkpoints"

    def store_url(self) -> str:
        """`database_url`, else the SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / SQLITE_FILE).resolve()}"


class _GivenSettings(Settings):
    """Settings from a given mapping alone: the process environment is not read."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def read_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings of `env` (default: the process environment); `SettingsError` names the
    first variable that is wrong."""
    try:
        if env is None:
            return Settings()
        values: dict[str, Any] = {
            name.removeprefix(PREFIX).lower(): value
            for name, value in env.items()
            if name.startswith(PREFIX) and value != ""
        }
        return _GivenSettings(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = PREFIX + str(error["loc"][0]).upper() if error["loc"] else PREFIX
        value = error.get("input")
        shown = f"{value!r}" if isinstance(value, str) else "unset"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}={shown}: {message}") from None
