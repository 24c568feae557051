"""The shipped registries answer in production: the service `onething serve` (without --demo)
and the CLI's intake build loads `definitions/registries/` into a fresh store, but for a
registry configured with a URL, and not at all when `ONETHING_LOCAL_REGISTRIES` is off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from engine.cases.sharing import Answer
from engine.licences.tables import RegistryRecord
from tests.fixtures.cases import TZ
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.licences import UTILITY_APPLICANT, WORKFLOWS, permit

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ)


@pytest.fixture
def configure(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.MonkeyPatch]:
    """A fresh store as `serve` configures it (its own data directory: its own service)."""
    monkeypatch.setenv("ONETHING_DATABASE_URL", store_url)
    monkeypatch.setenv("ONETHING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ONETHING_DEFINITIONS", str(DEFINITIONS))
    for name in ("ONETHING_SERVICE_FACTORY", "ONETHING_REGISTRY_URLS"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


def answers(credit_code: str = UTILITY_APPLICANT) -> dict[str, Answer]:
    from engine.bootstrap import case_service

    service = case_service()
    found = service.sources.look_up(WORKFLOWS["construction-permit"], permit(credit_code), NOW)
    return {lookup.material: lookup.answer for lookup in found}


def test_a_fresh_serve_store_answers_from_the_shipped_registries(
    configure: pytest.MonkeyPatch,
) -> None:
    assert answers() == {"business-licence": Answer.FOUND, "supervision-registration": Answer.FOUND}


def test_a_registry_behind_a_url_is_not_loaded_locally(configure: pytest.MonkeyPatch) -> None:
    configure.setenv(
        "ONETHING_REGISTRY_URLS", '{"construction-supervision": "http://127.0.0.1:9/"}'
    )
    from engine.bootstrap import case_service

    with Session(case_service().engine) as session:
        loaded = set(session.exec(select(col(RegistryRecord.registry_id)).distinct()).all())
    assert loaded == {"enterprises"}
    assert answers()["supervision-registration"] is Answer.UNAVAILABLE


def test_local_registries_off_leaves_the_store_without_them(
    configure: pytest.MonkeyPatch,
) -> None:
    configure.setenv("ONETHING_LOCAL_REGISTRIES", "false")
    absent = {"business-licence": Answer.ABSENT, "supervision-registration": Answer.ABSENT}
    assert answers() == absent
