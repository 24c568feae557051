"""The one retry policy: bounded attempts, exponential backoff, a bound on total time — and
which failures mean "undone by a concurrent change, run it again".

Two policies are made of it: `CONTENTION` for a unit of work that a concurrent writer undid
(case commands, the supervision sweep, orders, the registry, delivery records), and the
dispatcher's for sending to a receiver that may be down (`engine.notify.dispatch`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

from engine.store.unit_of_work import Stale

_T = TypeVar("_T")
UNDONE = (Stale, IntegrityError, OperationalError)  # the kinds `undone` looks at


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt `n` (from 1) waits `base_delay * factor**(n-1)` (at most `max_delay`) before
    attempt `n+1`; no attempt starts once `total_seconds` would be exceeded."""

    max_attempts: int = 5
    base_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    total_seconds: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay_after(self, attempt: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt`; a server's Retry-After wins
        when it asks for longer, still capped by `max_delay`."""
        delay = self.base_delay * self.factor ** (attempt - 1)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.max_delay)

    def next_delay(
        self, attempt: int, *, elapsed: float, retry_after: float | None = None
    ) -> float | None:
        """The wait before another attempt, or None when the attempts or the time are used up."""
        if attempt >= self.max_attempts:
            return None
        delay = self.delay_after(attempt, retry_after=retry_after)
        return None if elapsed + delay > self.total_seconds else delay

    def run(self, attempt: Callable[[], _T], *, busy: Callable[[], _T] | None = None) -> _T:
        """`attempt()` again while a concurrent change undoes it, each time after a random
        part of the backoff (so racing writers spread out). Once the attempts are used up:
        `busy()`, or without it the last failure. Any other failure is raised at once."""
        started = time.monotonic()
        n = 0
        while True:
            n += 1
            try:
                return attempt()
            except UNDONE as exc:
                if not undone(exc):
                    raise
                delay = self.next_delay(n, elapsed=time.monotonic() - started)
                if delay is None:
                    if busy is None:
                        raise
                    return busy()
            time.sleep(random.uniform(0, delay))

    def once_or(self, attempt: Callable[[], _T], fallback: Callable[[], _T]) -> _T:
        """`attempt()` once; if a concurrent change undid it, `fallback()` (a batch that
        falls back to its items one by one, each with its own retries)."""
        try:
            return attempt()
        except UNDONE as exc:
            if not undone(exc):
                raise
        return fallback()


CONTENTION = RetryPolicy(max_attempts=8, base_delay=0.002, max_delay=0.05, total_seconds=10)


def undone(exc: BaseException) -> bool:
    """Whether a concurrent change undid the unit of work (so it may run again): a row moved
    under it (`Stale`), a racing twin inserted the same key (`IntegrityError`), or, on SQLite,
    a writer held the lock past the timeout."""
    return isinstance(exc, Stale | IntegrityError) or (
        isinstance(exc, OperationalError) and "locked" in str(exc)
    )
