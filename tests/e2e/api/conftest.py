"""The API served on loopback over a fresh store, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.api import Api, served


@pytest.fixture
def api(store_url: str) -> Iterator[Api]:
    with served(store_url) as found:
        yield found
