"""The registry on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.definitions import Catalogue, DefinitionError, load_catalogue
from engine.registry import (
    RegistryError,
    current_version,
    diff,
    diff_source,
    list_workflows,
    register,
    retire,
    show,
    workflow_source,
)
from engine.store import get_engine

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def engine(store_url: str) -> sa.Engine:
    return get_engine(store_url)


@pytest.fixture(scope="module")
def catalogue(definitions_dir: Path) -> Catalogue:
    return load_catalogue(definitions_dir)


@pytest.fixture(scope="module")
def source(definitions_dir: Path) -> str:
    return (definitions_dir / "workflows" / "utility-external-works.yaml").read_text(
        encoding="utf-8"
    )


def bump(source: str, version: int, title: str = "水电气外线工程并联审批") -> str:
    changed = source.replace("version: 1\n", f"version: {version}\n", 1)
    return changed.replace("title: 水电气外线工程并联审批", f"title: {title}", 1)


def test_migrations_leave_the_chain_at_its_head(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        (revision,) = connection.execute(sa.text("SELECT version_num FROM alembic_version")).one()
    assert revision.startswith("00")
    assert "workflow_versions" in sa.inspect(engine).get_table_names()


def test_register_stores_source_and_hash(
    engine: sa.Engine, catalogue: Catalogue, source: str
) -> None:
    done = register(engine, source, file="u.yaml", catalogue=catalogue, now=NOW)
    assert done.created and done.version.version == 1
    row = show(engine, "utility-external-works")
    assert row.source == source and len(row.sha256) == 64
    assert done.version.registered_at == NOW  # kept as an aware UTC instant
    assert done.version.registered_at.tzinfo is not None


def test_same_content_again_is_a_no_op(
    engine: sa.Engine, catalogue: Catalogue, source: str
) -> None:
    register(engine, source, file="u.yaml", catalogue=catalogue, now=NOW)
    again = register(
        engine, source, file="u.yaml", catalogue=catalogue, now=NOW + dt.timedelta(days=1)
    )
    assert not again.created and again.version.registered_at == NOW
    assert list_workflows(engine)[0].versions == [1]


def test_changed_content_under_a_registered_version_is_refused(
    engine: sa.Engine, catalogue: Catalogue, source: str
) -> None:
    register(engine, source, file="u.yaml", catalogue=catalogue, now=NOW)
    with pytest.raises(RegistryError, match="version 1 is already registered with other content"):
        register(
            engine,
            source.replace("联合决定。", "联合决定，一次办结。"),
            file="u.yaml",
            catalogue=catalogue,
            now=NOW,
        )
    assert show(engine, "utility-external-works").source == source


def test_an_invalid_definition_is_not_registered(
    engine: sa.Engine, catalogue: Catalogue, source: str
) -> None:
    with pytest.raises(
        DefinitionError, match=r"u\.yaml:\d+:\d+: step 'joint-decision' needs unknown step"
    ):
        register(
            engine,
            source.replace("needs: [road-occupation,", "needs: [road-ocupation,"),
            file="u.yaml",
            catalogue=catalogue,
            now=NOW,
        )
    assert list_workflows(engine) == []


def test_newest_version_is_current_and_old_ones_stay_readable(
    engine: sa.Engine, catalogue: Catalogue, source: str
) -> None:
    register(engine, source, file="u.yaml", catalogue=catalogue, now=NOW)
    register(engine, bump(source, 2, "外线工程 v2"), file="u2.yaml", catalogue=catalogue, now=NOW)
    assert current_version(engine, "utility-external-works").version == 2
    get = workflow_source(engine, catalogue)
    assert get("utility-external-works", None).title == "外线工程 v2"
    assert get("utility-external-works", 1).version == 1  # a case keeps the version it started with
    text = diff(engine, "utility-external-works", 1, 2)
    assert text.startswith("--- utility-external-works@v1\n+++ utility-external-works@v2\n")
    assert (
        "\n-version: 1\n" in text
        and "\n+version: 2\n" in text
        and "\n+title: 外线工程 v2\n" in text
    )


def test_an_older_version_cannot_come_after_a_newer(
    engine: sa.Engine, catalogue: Catalogue, source: str
) -> None:
    register(engine, bump(source, 3), file="u3.yaml", catalogue=catalogue, now=NOW)
    with pytest.raises(RegistryError, match="version 2 is older than the registered version 3"):
        register(engine, bump(source, 2), file="u2.yaml", catalogue=catalogue, now=NOW)


def test_retire_one_version_then_all(engine: sa.Engine, catalogue: Catalogue, source: str) -> None:
    register(engine, source, file="u.yaml", catalogue=catalogue, now=NOW)
    register(engine, bump(source, 2), file="u2.yaml", catalogue=catalogue, now=NOW)
    assert retire(engine, "utility-external-works", version=2, now=NOW) == [2]
    assert current_version(engine, "utility-external-works").version == 1
    assert retire(engine, "utility-external-works", now=NOW) == [1]
    assert retire(engine, "utility-external-works", now=NOW) == []
    with pytest.raises(RegistryError, match="every version of 'utility-external-works' is retired"):
        current_version(engine, "utility-external-works")
    assert list_workflows(engine)[0].current is None
    assert show(engine, "utility-external-works", version=2).retired_at is not None
    # a new version after retirement is what new cases use again
    register(engine, bump(source, 3), file="u3.yaml", catalogue=catalogue, now=NOW)
    assert current_version(engine, "utility-external-works").version == 3


def test_unknown_ids_and_versions(engine: sa.Engine) -> None:
    with pytest.raises(RegistryError, match="no workflow 'ghost' is registered"):
        show(engine, "ghost")
    with pytest.raises(RegistryError, match="no workflow 'ghost' is registered"):
        retire(engine, "ghost", now=NOW)


def test_engines_are_cached_per_url(store_url: str) -> None:
    assert get_engine(store_url) is get_engine(store_url)


def test_a_source_not_yet_registered_is_compared_with_the_newest_version(
    engine: sa.Engine, catalogue: Catalogue, source: str
) -> None:
    assert diff_source(engine, "utility-external-works", source, file="new.yaml") is None
    register(engine, source, file="v1.yaml", catalogue=catalogue, now=NOW)
    assert diff_source(engine, "utility-external-works", source, file="new.yaml") == ""
    register(engine, bump(source, 2, "外线工程"), file="v2.yaml", catalogue=catalogue, now=NOW)
    text = diff_source(engine, "utility-external-works", bump(source, 3), file="new.yaml")
    assert text is not None and text.startswith("--- utility-external-works@v2\n+++ new.yaml\n")
    changed = {
        line
        for line in text.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    }
    assert changed == {
        "-version: 2",
        "+version: 3",
        "-title: 外线工程",
        "+title: 水电气外线工程并联审批",
    }
