"""The supervision service of this process: the configured case service, the catalogue of the
definitions folder, and a dispatcher configured from the environment."""

from __future__ import annotations

from pathlib import Path

from engine.cases.service import CaseService
from engine.definitions.loader import load_catalogue
from engine.escalation.sweep import Supervision
from engine.notify.dispatch import Dispatcher


def supervision(
    cases: CaseService | None = None,
    *,
    definitions: Path | None = None,
    dispatcher: Dispatcher | None = None,
) -> Supervision:
    from engine.app import case_service, definitions_root

    root = definitions or definitions_root()
    return Supervision(
        cases or case_service(),
        catalogue=load_catalogue(root),
        dispatcher=dispatcher or Dispatcher(),
    )
