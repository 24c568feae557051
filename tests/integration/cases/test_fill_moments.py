"""Rows an older version wrote without their yellow and red moments (before migration 0017)
get them when the service starts over the store (`onething serve`, every CLI command), batch
by batch, and a second start changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from engine import bootstrap
from engine.cases.overview import overview
from engine.cases.tables import CaseRow, NegativeRow, StepRow
from engine.demo.driver import Driver, seed_officers
from engine.store import get_engine
from tests.fixtures.api import Clock as ApiClock
from tests.fixtures.api import services_over
from tests.fixtures.cases import Clock
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.week import MONDAY, seeded_week

Moments = dict[tuple[str, ...], tuple[Any, ...]]


def moments(db: sa.Engine) -> Moments:
    """Every row's moments: the steps', the cases' (with their clock's department), the
    negative matters'."""
    with db.connect() as connection:
        steps = connection.execute(
            sa.select(
                col(StepRow.case_id),
                col(StepRow.step_id),
                col(StepRow.yellow_at),
                col(StepRow.red_at),
            )
        )
        cases = connection.execute(
            sa.select(
                col(CaseRow.id), col(CaseRow.owner), col(CaseRow.yellow_at), col(CaseRow.red_at)
            )
        )
        negatives = connection.execute(
            sa.select(col(NegativeRow.id), col(NegativeRow.yellow_at), col(NegativeRow.red_at))
        )
        found: Moments = {}
        return (
            found
            | {("step", c, s): (y, r) for c, s, y, r in steps}
            | {("case", c): (o, y, r) for c, o, y, r in cases}
            | {("negative", n): (y, r) for n, y, r in negatives}
        )


def forget_moments(db: sa.Engine) -> None:
    """As the migrations adding them leave the rows written before them."""
    with db.begin() as connection:
        connection.execute(sa.update(StepRow).values(yellow_at=None, red_at=None))
        connection.execute(sa.update(CaseRow).values(owner=None, yellow_at=None, red_at=None))
        connection.execute(sa.update(NegativeRow).values(yellow_at=None, red_at=None))


def test_the_missing_moments_are_filled_in_batches_and_once(db: sa.Engine) -> None:
    service, _ = seeded_week(db, Clock(MONDAY))
    before, kept = overview(service, most_urgent=100), moments(db)
    steps = sum(k[0] == "step" and v[0] is not None for k, v in kept.items())
    cases = sum(k[0] == "case" and v[0] is not None for k, v in kept.items())  # open ones
    assert steps >= 6 and cases >= 6
    assert any(k[0] == "negative" and v[0] is not None for k, v in kept.items())
    forget_moments(db)
    assert overview(service).turning_yellow == 0
    assert service.fill_moments(batch=2) == steps + cases  # two cases' at a time
    assert moments(db) == kept
    assert overview(service, most_urgent=100) == before
    assert service.fill_moments() == 0  # nothing missing: nothing written


def test_a_start_over_an_upgraded_store_fills_the_missing_moments(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ApiClock(MONDAY)
    services = services_over(store_url, clock)
    seed_officers(services.cases, services.catalogue())
    sample = json.loads((DEFINITIONS / "samples" / "utility-external-works.json").read_text())
    workflow = services.cases.workflows(sample["workflow"], None)
    for _ in range(2):
        Driver(services.cases).accept(services.cases.submit(workflow.id, sample), workflow)
    db = get_engine(store_url)
    kept = moments(db)
    assert any(k[0] == "case" and v[0] == workflow.owner for k, v in kept.items())
    forget_moments(db)
    for name in ("ONETHING_SERVICE_FACTORY", "ONETHING_DATABASE_URL", "ONETHING_DEFINITIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ONETHING_DATABASE_URL", store_url)
    monkeypatch.setenv("ONETHING_DEFINITIONS", str(DEFINITIONS))
    bootstrap.case_service()
    assert moments(db) == kept
