"""A case service for the CLI tests (`ONETHING_SERVICE_FACTORY`): road works with the default
ladder, on the SQLite file named by `ONETHING_TEST_DATABASE`."""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlmodel import SQLModel

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
