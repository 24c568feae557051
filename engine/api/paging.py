"""Cursor pagination of the listings: a page of items with the cursor of the page after, and
the cursor itself — a position in the listing's order, its parts joined by `~` (a moment as
microseconds since the epoch, an id), checked by a pattern before a route reads it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
MOMENT = r"[0-9]{1,17}"  # microseconds since the epoch
NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"  # a case, step, material or negative matter id
NUMBER = r"[0-9]{1,10}"

T = TypeVar("T")
Limit = Annotated[int, Query(ge=1, le=500, description="at most this many items")]


class Page(BaseModel, Generic[T]):
    """A page of a listing; `next` is the cursor of the page after (None: the last page)."""

    items: list[T]
    next: str | None


def cursor_query(*shapes: tuple[str, ...]) -> Any:
    """The `cursor` query parameter of a listing whose positions have one of `shapes` (the
    patterns of their parts)."""
    pattern = "^(" + "|".join("~".join(shape) for shape in shapes) + ")$"
    return Query(pattern=pattern, description="`next` of the page before")


def cursor(*parts: str | int | dt.datetime) -> str:
    """The position of an item, by its parts in the listing's order."""
    return "~".join(
        str((p - EPOCH) // MICROSECOND) if isinstance(p, dt.datetime) else str(p) for p in parts
    )


def parts(position: str) -> list[str]:
    """A cursor's parts (its pattern checked by the route)."""
    return position.split("~")


def moment(micros: str) -> dt.datetime:
    """A cursor's moment part as a moment in UTC."""
    return EPOCH + int(micros) * MICROSECOND


def after(cursor: str | None) -> tuple[dt.datetime, str] | None:
    """Where a cursor that starts with a moment points (its pattern checked by the route):
    that moment in UTC and the rest of its parts as they stand (None: the first page)."""
    if not cursor:
        return None
    micros, _, rest = cursor.partition("~")
    return moment(micros), rest


def page(rows: Sequence[T], limit: int, position: Callable[[T], str]) -> Page[T]:
    """The page of the first `limit` of `rows` (read with one more, to know if more follow)."""
    shown = list(rows[:limit])
    more = len(rows) > limit
    return Page[T](items=shown, next=position(shown[-1]) if more and shown else None)
