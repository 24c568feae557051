"""The composition root (cosmicpython's `bootstrap.py`): the one place that reads the settings
and builds the store, calendars, catalogue, case service, dispatcher and supervision.

Entry points (the CLI, the flows, the HTTP API) ask this module for what they need; nothing in
the engine reads the environment or builds these itself. Each piece is built once for the
settings in force (a process has one environment; tests that change it get fresh pieces), and
nothing here imports Prefect: an entry point that serves flows adds their waking itself.

The store and the services behind it are imported by the function that builds them, the one
place that does so: `onething calendar` runs without the database and must not load it
(tests/e2e/test_calendar_cli.py), and it reads its calendars from here too.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from engine.calendar import CalendarSet, load_calendars
from engine.clock import system_now, utc_now
from engine.definitions.catalogue import Catalogue
from engine.definitions.loader import load_catalogue
from engine.errors import CalendarError
from engine.settings import PREFIX, Settings, SettingsError, read_settings

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    import sqlalchemy as sa

    from engine.access.accounts import Accounts
    from engine.api.deps import Services
    from engine.cases.service import CaseService
    from engine.draw.drawer import Drawer
    from engine.draw.service import DrawService
    from engine.escalation.sweep import Supervision
    from engine.licences.service import Licences
    from engine.notify.channels import ChannelKind
    from engine.notify.dispatch import Dispatcher
    from engine.notify.transports import Transport
    from engine.views.cases import CaseView

clock = system_now
"""The one clock every service built here is handed (engine/clock.py reads the wall clock)."""


def settings() -> Settings:
    """The settings of this process's environment; `SettingsError` names a wrong variable."""
    return _settings_of(frozenset((k, v) for k, v in os.environ.items() if k.startswith(PREFIX)))


@cache
def _settings_of(env: frozenset[tuple[str, str]]) -> Settings:
    return read_settings(dict(env))


def definitions_root() -> Path:
    """The definitions folder: `ONETHING_DEFINITIONS`, else ./definitions."""
    return settings().definitions


def calendars() -> CalendarSet:
    return _calendars(settings().definitions)


@cache
def _calendars(root: Path) -> CalendarSet:
    folder = root / "calendars"
    if not folder.is_dir():
        raise CalendarError(f"no calendar folder at {folder} (set {PREFIX}DEFINITIONS)")
    return load_calendars(folder)


def catalogue() -> Catalogue:
    return _catalogue(settings().definitions)


@cache
def _catalogue(root: Path) -> Catalogue:
    return load_catalogue(root)


def database() -> sa.Engine:
    """The store: the configured database, migrated on first use in this process."""
    from engine.store import get_engine

    return get_engine(settings().store_url())


def case_service() -> CaseService:
    """The case service: `ONETHING_SERVICE_FACTORY`'s (embedding, tests), else the store's."""
    from engine.cases.service import CaseService

    configured = settings()
    if configured.service_factory is None:
        return _store_service(configured)
    module, _, name = configured.service_factory.partition(":")
    service = getattr(importlib.import_module(module), name)()
    if not isinstance(service, CaseService):
        kind = type(service).__name__
        raise SettingsError(f"{PREFIX}SERVICE_FACTORY must return a CaseService, not {kind}")
    return service


@cache
def _store_service(configured: Settings) -> CaseService:
    from engine.cases.service import CaseService
    from engine.licences.sources import Sources, load_registries, seed
    from engine.registry import workflow_source
    from engine.store import get_engine

    engine = get_engine(configured.store_url())
    if configured.local_registries:  # the shipped registries answer unless behind a URL
        seed(engine, definitions=configured.definitions, skip=dict(configured.registry_urls))
    service = CaseService(
        engine,
        workflows=workflow_source(engine, _catalogue(configured.definitions)),
        calendars=_calendars(configured.definitions),
        clock=clock,
        sources=Sources(
            engine,
            registries=load_registries(configured.definitions),
            urls=dict(configured.registry_urls),
            timeout=configured.lookup_timeout,
        ),
        reaction=drawer(engine, configured),
    )
    # rows an older version wrote without what a migration added (the ladder and the
    # calendar live outside the database, so the migration itself cannot compute them)
    service.fill_moments()
    return service


def drawer(engine: sa.Engine, configured: Settings) -> Drawer:
    """The inspection draw over the database's audited roster, sealed with `ONETHING_DRAW_KEY`
    (unset: the engine's draw puts an incident on the case instead)."""
    from engine.draw.book import RosterBook
    from engine.draw.drawer import Drawer

    key = bytes.fromhex(configured.draw_key) if configured.draw_key else None
    return Drawer(RosterBook(engine, clock=clock), key=key)


def draw_service(cases: CaseService | None = None) -> DrawService:
    """The inspection draw's commands over `cases` (default: the configured case service)."""
    from engine.draw.service import DrawService

    service = cases or case_service()
    return DrawService(service, drawer(service.engine, settings()))


def accounts() -> Accounts:
    """The users of the configured database."""
    from engine.access.accounts import Accounts

    return Accounts(database(), clock=clock, local=_local())


def _local() -> Callable[[dt.datetime], dt.datetime]:
    """A moment in the zone of the first calendar (the one the overview counts in)."""
    known = calendars()
    return known.get(known.ids[0]).local


def api_services(after_commit: Callable[[CaseView], None] | None = None) -> Services:
    """What the HTTP API calls: the configured case service (each commit also calling
    `after_commit`: `onething serve` wakes the case's flow run), supervision over it, and the
    accounts of its database (a service factory's store included)."""
    from engine.access.accounts import Accounts
    from engine.api.deps import Services
    from engine.cases.service import chained

    cases = case_service()
    if after_commit is not None:
        cases = cases.derived(after_commit=chained(cases.after_commit, after_commit))
    return Services(
        cases=cases,
        draws=draw_service(cases),
        supervision=supervision(cases),
        accounts=Accounts(cases.engine, clock=clock, local=_local()),
        catalogue=catalogue,
        calendars=calendars(),
        definitions=definitions_root(),
    )


def transports() -> dict[ChannelKind, Transport]:
    """Every notification channel's transport, from the settings (webhook secrets are read
    from the environment variable each channel names)."""
    from engine.notify.mail import SmtpSettings
    from engine.notify.transports import default_transports

    return default_transports(SmtpSettings.of(settings()), secrets=os.environ)


def dispatcher() -> Dispatcher:
    from engine.notify.dispatch import Dispatcher

    return Dispatcher(transports=transports(), clock=utc_now)


def licences(cases: CaseService | None = None) -> Licences:
    """The licence library over `cases` (default: the configured case service); a revocation
    is told to the relying departments over the notification channels."""
    from engine.licences.service import Licences

    return Licences(cases or case_service(), catalogue=catalogue(), dispatcher=dispatcher())


def supervision(cases: CaseService | None = None) -> Supervision:
    """Supervision (电子监察) over `cases` (default: the configured case service)."""
    from engine.escalation.sweep import Supervision

    return Supervision(cases or case_service(), catalogue=catalogue(), dispatcher=dispatcher())
