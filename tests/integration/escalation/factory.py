"""Case services for the CLI tests (`ONETHING_SERVICE_FACTORY`): road works with the default
ladder, on the SQLite file named by `ONETHING_TEST_DATABASE` or on the configured store."""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlmodel import SQLModel

from engine import bootstrap
from engine.calendar import load_calendars
from engine.cases.service import CaseService
from tests.fixtures.definitions import ROOT
from tests.fixtures.supervision import make_service, supervised_workflow


def service() -> CaseService:
    engine = sa.create_engine(os.environ["ONETHING_TEST_DATABASE"])
    SQLModel.metadata.create_all(engine)
    return make_service(
        engine, load_calendars(ROOT / "definitions" / "calendars"), supervised_workflow()
    )


def stored_service() -> CaseService:
    """Road works with the default ladder on the configured store (`ONETHING_DATABASE_URL`),
    opened and migrated as the product opens it."""
    return make_service(
        bootstrap.database(),
        load_calendars(ROOT / "definitions" / "calendars"),
        supervised_workflow(),
    )
