"""The one retry policy on work undone by a concurrent change: what runs again, what does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from engine.retry import RetryPolicy, undone
from engine.store.unit_of_work import Stale

NO_WAIT = RetryPolicy(max_attempts=3, base_delay=0)


def failing(*errors: Exception) -> tuple[list[int], Callable[[], int]]:
    """An attempt that raises `errors` in turn, then answers how many tries it took."""
    tries: list[int] = []

    def attempt() -> int:
        tries.append(1)
        if len(tries) <= len(errors):
            raise errors[len(tries) - 1]
        return len(tries)

    return tries, attempt


def integrity() -> IntegrityError:
    return IntegrityError("INSERT", {}, Exception("duplicate key"))


def test_a_moved_row_or_a_twins_key_runs_the_work_again() -> None:
    _, attempt = failing(Stale(), integrity())
    assert NO_WAIT.run(attempt) == 3


def test_sqlite_lock_timeout_is_undone_but_another_operational_error_is_raised_at_once() -> None:
    locked = OperationalError("UPDATE", {}, Exception("database is locked"))
    down = OperationalError("SELECT", {}, Exception("connection refused"))
    assert undone(locked) and not undone(down)
    tries, attempt = failing(down)
    with pytest.raises(OperationalError):
        NO_WAIT.run(attempt)
    assert len(tries) == 1


def test_a_domain_error_is_never_retried() -> None:
    tries, attempt = failing(ValueError("refused"))
    with pytest.raises(ValueError):
        NO_WAIT.run(attempt)
    assert len(tries) == 1


def test_out_of_attempts_answers_busy_or_raises_the_last_failure() -> None:
    tries, attempt = failing(Stale(), Stale(), Stale(), Stale())
    assert NO_WAIT.run(attempt, busy=lambda: -1) == -1
    assert len(tries) == 3
    _, attempt = failing(Stale(), Stale(), integrity())
    with pytest.raises(IntegrityError):
        NO_WAIT.run(attempt)


def test_a_batch_undone_falls_back_once_to_its_items() -> None:
    _, batch = failing(Stale())
    assert NO_WAIT.once_or(batch, lambda: 0) == 0
    _, batch = failing()
    assert NO_WAIT.once_or(batch, lambda: 0) == 1
