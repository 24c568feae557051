"""The default ladder of `definitions/departments.yaml` and the national calendar."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.definitions.catalogue import DepartmentsFile
from engine.definitions.escalation import Rung
from tests.unit.calendar.conftest import calendars, cn  # noqa: F401  (shared fixtures)

DEPARTMENTS = Path(__file__).resolve().parents[3] / "definitions" / "departments.yaml"


def departments() -> DepartmentsFile:
    return DepartmentsFile.model_validate(yaml.safe_load(DEPARTMENTS.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def ladder() -> tuple[Rung, ...]:
    return departments().escalation
