"""The unit of work (cosmicpython's `service_layer/unit_of_work.py`): one transaction that a
command reads and writes through, committed once; the side effects it queued (a notice, waking
a flow run) run only after the commit, never inside it and never after a rollback — so undoing
and running the work again (`engine.retry.CONTENTION`) never repeats one."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session


class Stale(Exception):
    """A row changed under the unit of work (its version moved): load it again and retry."""


class UnitOfWork:
    """`with UnitOfWork(engine) as uow:` read and write through `uow.session`, then
    `uow.commit()`; leaving without a commit rolls back. Given a caller's session instead of
    an engine, the unit of work uses it and leaves it open."""

    def __init__(self, store: Engine | Session, *, expire_on_commit: bool = True):
        self._owned = isinstance(store, Engine)
        self.session = (
            Session(store, expire_on_commit=expire_on_commit)
            if isinstance(store, Engine)
            else store
        )
        self._effects: list[Callable[[], None]] = []
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.session.rollback()
        if self._owned:
            self.session.close()
        if self._committed and exc is None:
            effects, self._effects = self._effects, []
            for effect in effects:
                effect()

    def after_commit(self, effect: Callable[[], None]) -> None:
        """Run `effect` once the work has committed (dropped if it rolls back)."""
        self._effects.append(effect)

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()
        self._effects.clear()
