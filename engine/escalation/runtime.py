"""The supervision service of this process: the configured case service, the catalogue of the
definitions folder, and a dispatcher configured from the environment."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from engine.cases.service import CaseService
from engine.definitions.loader import load_catalogue
from engine.escalation.sweep import Supervision
from engine.notify.dispatch import Dispatcher

FACTORY_ENV = "ONETHING_SERVICE_FACTORY"  # `package.module:function` returning a CaseService


def case_service() -> CaseService:
    """`ONETHING_SERVICE_FACTORY`'s service, else the store's (`engine.app.case_service`)."""
    target = os.environ.get(FACTORY_ENV)
    if target:
        module, _, name = target.partition(":")
        service = getattr(importlib.import_module(module), name)()
    else:
        from engine.app import case_service as store_service

        service = store_service()
    if not isinstance(service, CaseService):
        raise TypeError(f"{FACTORY_ENV} must return a CaseService, not {type(service).__name__}")
    return service


def supervision(
    cases: CaseService | None = None,
    *,
    definitions: Path | None = None,
    dispatcher: Dispatcher | None = None,
) -> Supervision:
    from engine.app import definitions_root

    root = definitions or definitions_root()
    return Supervision(
        cases or case_service(),
        catalogue=load_catalogue(root),
        dispatcher=dispatcher or Dispatcher(),
    )
