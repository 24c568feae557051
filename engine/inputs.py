"""What any entry point accepts from a user: bounded text, bounded JSON, finite numbers.

The same limits hold on SQLite and PostgreSQL, so a value one database would store and the
other refuse (a name past its column, a NUL character, an id past a 32-bit integer) is refused
as input, in one line, before it reaches either. Pure.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from engine.cases.case import SYSTEM
from engine.errors import InputError

MAX_NESTING = 32  # objects and lists inside each other
MAX_TEXT = 4000  # characters of one free-text value (a reason, a comment, a field)
MAX_ITEMS = 10_000  # values in one JSON document
MAX_ROW_ID = 2**31 - 1  # a PostgreSQL integer: a larger id names no row
# names by their column: a case id, an actor or user, an idempotency key, an action, a step
LIMITS = {"case": 40, "actor": 64, "user": 64, "key": 128, "action": 32, "step": 64}
LIMITS |= {"workflow": 64, "examiner": 64, "department": 64}
LIMITS |= {"certificate": 128, "holder": 64, "type": 64}  # the licence library's columns

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tab, newline allowed in text
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name(what: str, value: str) -> str:
    """A name for a column of `LIMITS[what]` characters: not empty, one line, no control."""
    limit = LIMITS[what]
    if not value.strip():
        raise InputError(f"the {what} is empty")
    if len(value) > limit:
        raise InputError(f"the {what} is longer than {limit} characters: {value[:20]!r}…")
    if _NAME_CONTROL.search(value):
        raise InputError(f"the {what} {value!r} holds a control character")
    return value


def user_actor(value: str) -> str:
    """Who acts through a user-facing entry point: never `system`, the engine's own actor
    (its flows and sweep act as it), so that no role check is skipped for a user."""
    name("actor", value)
    if value == SYSTEM:
        raise InputError(f"{SYSTEM!r} is the engine's own actor; act as yourself")
    return value


def text(what: str, value: str, *, limit: int = MAX_TEXT) -> str:
    """Free text (tabs and line breaks allowed) of at most `limit` characters."""
    if len(value) > limit:
        raise InputError(f"{what} is longer than {limit} characters")
    if _CONTROL.search(value):
        raise InputError(f"{what} holds a control character")
    return value


def json_value(what: str, value: Any, *, finite: bool = True) -> Any:
    """A JSON-shaped value (the application, an action's arguments): nested at most
    `MAX_NESTING` deep, at most `MAX_ITEMS` values, bounded text, text keys, and (unless a
    checker of its own reports them, as the application's does) finite numbers."""
    count = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_ITEMS:
            raise InputError(f"{what}: more than {MAX_ITEMS:,} values")
        if isinstance(item, dict | list):
            if depth >= MAX_NESTING:
                raise InputError(f"{what}: nested deeper than {MAX_NESTING} levels")
            if isinstance(item, dict):
                for key in item:
                    if not isinstance(key, str):
                        raise InputError(f"{what}: a key must be text, not {key!r}")
                    text(f"{what}: a key", key, limit=200)
                stack += [(child, depth + 1) for child in item.values()]
            else:
                stack += [(child, depth + 1) for child in item]
        elif finite and isinstance(item, float) and not math.isfinite(item):
            raise InputError(f"{what}: {item} is not a number")
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > 2**53:
            raise InputError(f"{what}: {item} is too large a number")
        elif isinstance(item, str):
            text(what, item)
        elif not (item is None or isinstance(item, bool | int | float)):
            raise InputError(f"{what}: {type(item).__name__} is not a JSON value")
    return value


def _no_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not a number")


def parse_json(source: str, what: str, *, line: int | None = None, finite: bool = True) -> Any:
    """JSON text as a user gave it (`what`: the file or option; `line`: the file's line it
    stands on): one `InputError`, with its place, for whatever is wrong. `finite=False`
    leaves NaN and Infinity to a checker that reports them at their place (the application's)."""
    place = what if line is None else f"{what}:{line}"
    try:
        value = json.loads(source, parse_constant=_no_constant if finite else None)
    except json.JSONDecodeError as exc:
        at = f"{what}:{exc.lineno if line is None else line}:{exc.colno}"
        raise InputError(f"{at}: not valid JSON: {exc.msg}") from None
    except ValueError as exc:  # NaN, Infinity; an integer of more than 4300 digits
        raise InputError(f"{place}: {exc}") from None
    except RecursionError:
        raise InputError(f"{place}: nested deeper than {MAX_NESTING} levels") from None
    return json_value(place, value, finite=finite)


def decode(data: bytes, what: str) -> str:
    """Bytes a user gave as text: UTF-8, or one `InputError`."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: not UTF-8 text (byte {exc.start + 1})") from None


def row_id(what: str, value: int) -> int:
    """A stored row's id as a user typed it: one no database could hold names no row."""
    if not 1 <= value <= MAX_ROW_ID:
        raise InputError(f"no {what} {value}")
    return value
