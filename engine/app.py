"""The composition root: the configured store, definitions, calendars and case service.

Module-level imports stay light (the calendar CLI imports `definitions_root` from here);
everything heavy is imported when first asked for, and built once per process.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.access.accounts import Accounts
    from engine.api.deps import Services
    from engine.calendar import CalendarSet
    from engine.cases.service import CaseService
    from engine.definitions.catalogue import Catalogue

DEFINITIONS_ENV = "ONETHING_DEFINITIONS"


def definitions_root() -> Path:
    """The definitions folder: `ONETHING_DEFINITIONS`, else ./definitions."""
    return Path(os.environ.get(DEFINITIONS_ENV, "definitions"))


@cache
def calendars() -> CalendarSet:
    from engine.calendar import load_calendars
    from engine.errors import CalendarError

    folder = definitions_root() / "calendars"
    if not folder.is_dir():
        raise CalendarError(f"no calendar folder at {folder} (set {DEFINITIONS_ENV})")
    return load_calendars(folder)


@cache
def catalogue() -> Catalogue:
    from engine.definitions.loader import load_catalogue

    return load_catalogue(definitions_root())


SERVICE_FACTORY_ENV = "ONETHING_SERVICE_FACTORY"  # `package.module:function` → CaseService


def case_service() -> CaseService:
    """The configured case service: `ONETHING_SERVICE_FACTORY`'s (embedding, tests), else the
    store's on the configured database."""
    import importlib

    from engine.cases.service import CaseService

    target = os.environ.get(SERVICE_FACTORY_ENV)
    if not target:
        return _store_service()
    module, _, name = target.partition(":")
    service = getattr(importlib.import_module(module), name)()
    if not isinstance(service, CaseService):
        kind = type(service).__name__
        raise TypeError(f"{SERVICE_FACTORY_ENV} must return a CaseService, not {kind}")
    return service


@cache
def _store_service() -> CaseService:
    from engine.cases.service import CaseService
    from engine.clock import system_now
    from engine.registry import workflow_source
    from engine.store import get_engine

    database = get_engine()
    return CaseService(
        database,
        workflows=workflow_source(database, catalogue()),
        calendars=calendars(),
        clock=system_now,
    )


@cache
def accounts() -> Accounts:
    """The users of the configured database."""
    from engine.access.accounts import Accounts
    from engine.clock import system_now
    from engine.store import get_engine

    return Accounts(get_engine(), clock=system_now)


def api_services() -> Services:
    """What the HTTP API calls: the configured case service, supervision and accounts."""
    from engine.api.deps import Services
    from engine.escalation.runtime import supervision

    return Services(
        cases=case_service(),
        supervision=supervision(),
        accounts=accounts(),
        catalogue=catalogue,
        calendars=calendars(),
        definitions=definitions_root(),
    )


def flow_run_url(case_id: str) -> str | None:
    """The Prefect UI page of the case's flow run, when it has one."""
    from flows.urls import flow_run_url as url_of

    return url_of(case_service().engine, case_id)
