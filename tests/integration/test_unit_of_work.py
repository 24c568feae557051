"""The unit of work on SQLite and PostgreSQL: side effects only after the commit, and work a
concurrent writer undid runs again on what that writer left."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from engine.cases.tables import UserRow
from engine.retry import CONTENTION
from engine.store import get_engine
from engine.store.unit_of_work import UnitOfWork

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


def officer(name: str) -> UserRow:
    return UserRow(name=name, token_hash="-", created_at=NOW)


def stored(engine: sa.Engine, name: str) -> bool:
    with Session(engine) as session:
        return session.get(UserRow, name) is not None


def test_side_effects_run_after_the_commit_and_never_after_a_rollback(store_url: str) -> None:
    engine = get_engine(store_url)
    seen: list[bool] = []
    with UnitOfWork(engine) as uow:
        uow.session.add(officer("a"))
        uow.after_commit(lambda: seen.append(stored(engine, "a")))
        uow.commit()
        assert seen == []  # not while the unit of work is open
    assert seen == [True]  # and then it sees what was committed
    with UnitOfWork(engine) as uow:
        uow.session.add(officer("b"))
        uow.after_commit(lambda: seen.append(False))
    assert seen == [True]
    assert not stored(engine, "b")  # left without a commit: rolled back


def test_work_undone_by_a_concurrent_insert_runs_again_and_finds_it(store_url: str) -> None:
    engine = get_engine(store_url)
    tries: list[bool] = []

    def add_once() -> str:
        with UnitOfWork(engine) as uow:
            tries.append(uow.session.get(UserRow, "x") is not None)
            if tries[-1]:
                return "found"
            uow.session.add(officer("x"))
            if len(tries) == 1:  # another writer commits the same officer first
                with UnitOfWork(engine) as other:
                    other.session.add(officer("x"))
                    other.commit()
            uow.commit()
            return "added"

    assert CONTENTION.run(add_once) == "found"
    assert tries == [False, True]
