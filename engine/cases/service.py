"""The case service: applications taken in (`engine.cases.submissions`), commands
(`engine.cases.commands`), deadlines re-read (`engine.cases.recompute`), queries
(`engine.cases.queries`) and officers (`engine.cases.users`) over one database, as one object
for the entry points."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine

from engine.calendar import CalendarSet
from engine.cases.case import Actor
from engine.cases.queries import CaseQueries
from engine.cases.recompute import DeadlineRecompute
from engine.cases.requests import Command, Intake, Reaction
from engine.cases.submissions import WorkflowSource
from engine.licences.sources import Sources
from engine.views.cases import CaseView

__all__ = ["CaseService", "Command", "Intake", "WorkflowSource"]


class CaseService(DeadlineRecompute, CaseQueries):
    """Commands and queries on cases, over one database."""

    def __init__(
        self,
        engine: Engine,
        *,
        workflows: WorkflowSource,
        calendars: CalendarSet,
        clock: Callable[[], dt.datetime],
        after_commit: Callable[[CaseView], None] | None = None,
        sources: Sources | None = None,
        reaction: Reaction | None = None,
    ):
        self.engine, self.workflows, self.calendars, self.clock = (
            engine,
            workflows,
            calendars,
            clock,
        )
        self.sources = sources or Sources(engine)  # the library; registries from local records
        self.after_commit = after_commit  # side effects (wake a flow run): after, never inside
        self.reaction = reaction  # the engine's own move after a command (the inspection draw)
        self._actors: dict[str, tuple[Actor, ...]] = {}

    def derived(
        self,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        after_commit: Callable[[CaseView], None] | None = None,
        reaction: Reaction | None = None,
    ) -> CaseService:
        """This service over the same store, definitions and sources, with another clock,
        side effect or reaction where one is given."""
        return CaseService(
            self.engine,
            workflows=self.workflows,
            calendars=self.calendars,
            clock=clock or self.clock,
            after_commit=after_commit or self.after_commit,
            sources=self.sources,
            reaction=reaction or self.reaction,
        )


def chained(
    first: Callable[[CaseView], None] | None, second: Callable[[CaseView], None]
) -> Callable[[CaseView], None]:
    """Both after-commit hooks, in order (the second runs even if the first fails)."""
    if first is None:
        return second

    def both(view: CaseView) -> None:
        try:
            first(view)
        finally:
            second(view)

    return both
