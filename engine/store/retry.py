"""One retry policy for work undone by a concurrent change: how often, how long to wait
between tries, and which failures mean "another writer got there first, run it again"."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

_T = TypeVar("_T")


class Stale(Exception):
    """A row changed under the unit of work (its version moved): load it again and retry."""


@dataclass(frozen=True)
class Contention:
    """Run a unit of work again while a concurrent change undoes it: at most `attempts`
    tries, each after a short random wait that doubles (so racing writers spread out)."""

    attempts: int = 8
    base_delay: float = 0.002
    max_delay: float = 0.05

    def run(self, attempt: Callable[[], _T], *, busy: Callable[[], _T]) -> _T:
        """`attempt()` until it is not undone; `busy()` once the attempts are used up."""
        for n in range(self.attempts):
            try:
                return attempt()
            except (Stale, IntegrityError, OperationalError) as exc:
                if not undone(exc):
                    raise
            if n + 1 < self.attempts:
                time.sleep(random.uniform(0, min(self.max_delay, self.base_delay * 2**n)))
        return busy()

    def once_or(self, attempt: Callable[[], _T], fallback: Callable[[], _T]) -> _T:
        """`attempt()` once; if a concurrent change undid it, `fallback()` (a batch that
        falls back to its items one by one, each with its own retries)."""
        try:
            return attempt()
        except (Stale, IntegrityError, OperationalError) as exc:
            if not undone(exc):
                raise
        return fallback()


CONTENTION = Contention()


def undone(exc: BaseException) -> bool:
    """Whether a concurrent change undid the unit of work (so it may run again): a row moved
    (`Stale`), a racing twin inserted the same key (`IntegrityError`), or, on SQLite, a writer
    held the lock past the timeout."""
    return isinstance(exc, Stale | IntegrityError) or (
        isinstance(exc, OperationalError) and "locked" in str(exc)
    )
