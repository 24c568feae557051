"""What every command shares: one-line errors with exit codes, JSON output."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from engine.errors import InputError, OnethingError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2


def fail(message: str, *, code: int = EXIT_USAGE) -> None:
    """Print one line to stderr and leave with `code`."""
    typer.echo(f"onething: {message}", err=True)
    raise typer.Exit(code)


def user_errors(func: F) -> F:
    """Turn a user's mistake (an `OnethingError`) into one line and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OnethingError as exc:
            fail(str(exc))

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def offset_moment(text: str) -> dt.datetime:
    """A moment the user typed: ISO date-time with its offset (a time without one is
    ambiguous across zones, so it is refused)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"not an ISO date-time: {text!r}") from None
    if moment.tzinfo is None:
        raise InputError(
            f"give the time with its offset, e.g. 2026-12-02T09:00+08:00 (not {text!r})"
        )
    return moment
