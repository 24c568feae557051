"""The cases a sweep visits: those with a clock due by its moment, read a batch at a time.

Oldest due first, through the two indexes (`next_escalation_at` on the step rows, then on the
case rows), each page read after the last one's key (keyset), so a sweep holds one batch of
ids however many levels it fires, and each query is bounded by the batch. A case is visited
once: a page leaves out a case with a due row read by an earlier page (it was visited then,
or a forecast — which moves nothing — would list its levels twice), and the case index leaves
out a case with a due step row (the step index had it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from engine.cases.tables import CaseRow, StepRow, among
from engine.clock import as_utc

_STEPS = SQLModel.metadata.tables[StepRow.__tablename__]
_CASES = SQLModel.metadata.tables[CaseRow.__tablename__]


def due_cases(
    session_of: Callable[[], Session],
    now: dt.datetime,
    *,
    batch: int,
    only: Sequence[str] | None = None,
) -> Iterator[list[str]]:
    """The ids of the cases with a clock due by `now`, at most `batch` a page (of `only` if
    given); each page read in its own session from `session_of`, after the caller has done
    with the one before (firing moves a case's index on)."""
    if only is not None and not only:
        return
    moment = as_utc(now)
    step_due = _STEPS.c.next_escalation_at <= moment
    by_steps = (_STEPS.c.next_escalation_at, _STEPS.c.case_id, _STEPS.c.step_id)
    earlier = _STEPS.alias("earlier")
    by_earlier = (earlier.c.next_escalation_at, earlier.c.case_id, earlier.c.step_id)

    def visited(after: tuple[Any, ...]) -> Any:  # a due row of the case before this page
        return sa.exists().where(
            earlier.c.case_id == _STEPS.c.case_id,
            earlier.c.next_escalation_at <= moment,
            sa.tuple_(*by_earlier) <= sa.tuple_(*_binds(by_earlier, after)),
        )

    yield from _pages(session_of, _STEPS.c.case_id, by_steps, step_due, visited, batch, only)
    has_due_step = sa.exists().where(_STEPS.c.case_id == _CASES.c.id, step_due)
    case_due = sa.and_(_CASES.c.next_escalation_at <= moment, ~has_due_step)
    by_cases = (_CASES.c.next_escalation_at, _CASES.c.id)
    yield from _pages(session_of, _CASES.c.id, by_cases, case_due, None, batch, only)


def _pages(
    session_of: Callable[[], Session],
    owner: Any,
    key: tuple[Any, ...],
    due: Any,
    visited: Callable[[tuple[Any, ...]], Any] | None,
    batch: int,
    only: Sequence[str] | None,
) -> Iterator[list[str]]:
    after: tuple[Any, ...] | None = None
    while True:
        with session_of() as session:
            query = sa.select(*key).where(due).order_by(*key).limit(batch)
            if only is not None:
                query = query.where(among(session, owner, list(only)))
            if after is not None:
                query = query.where(sa.tuple_(*key) > sa.tuple_(*_binds(key, after)))
                if visited is not None:
                    query = query.where(~visited(after))
            rows = session.execute(query).all()
        if not rows:
            return
        after = tuple(rows[-1])
        owners = list(dict.fromkeys(row[1] for row in rows))
        yield owners
        if len(rows) < batch:
            return


def _binds(columns: tuple[Any, ...], values: tuple[Any, ...]) -> list[Any]:
    """`values` as parameters typed like `columns` (a moment stored as SQLite text compares)."""
    return [sa.bindparam(None, v, type_=c.type) for c, v in zip(columns, values, strict=True)]
