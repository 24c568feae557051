"""The default ladder of `definitions/departments.yaml`."""

from __future__ import annotations

import pytest

from engine.definitions.escalation import Rung
from tests.fixtures.definitions import departments


@pytest.fixture(scope="session")
def ladder() -> tuple[Rung, ...]:
    return departments().escalation
