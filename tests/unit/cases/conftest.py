"""The road-works workflow (tests.fixtures.road_works) on the national calendar, at a desk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.calendar import WorkingCalendar
from engine.definitions.model import Workflow
from tests.fixtures.desk import Desk
from tests.fixtures.road_works import road_works


@pytest.fixture
def desk(cn: WorkingCalendar) -> Desk:
    return Desk(Workflow.model_validate(road_works()), cn)


@pytest.fixture
def make_desk(cn: WorkingCalendar) -> Callable[[dict[str, Any]], Desk]:
    def make(data: dict[str, Any]) -> Desk:
        return Desk(Workflow.model_validate(data), cn)

    return make
