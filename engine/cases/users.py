"""Officers as the case machine sees them: who acts, with which role, in which department
(accounts and their tokens are `engine.access.accounts`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from engine import inputs
from engine.cases.case import APPLICANT, SYSTEM, Actor
from engine.cases.tables import UserRow
from engine.errors import InputError


class Users:
    """The officers of one database; a found one is remembered (a user is never removed, and
    one disabled later is stopped at the entry point: its token no longer authenticates)."""

    engine: Engine
    clock: Callable[[], dt.datetime]
    _actors: dict[str, Actor]

    def actor(self, session: Session, name: str) -> Actor:
        """The actor called `name` (the applicant, the system, or an officer)."""
        inputs.name("actor", name)
        if name in (APPLICANT, SYSTEM):
            return Actor(name, name)
        if (known := self._actors.get(name)) is not None:
            return known
        users = SQLModel.metadata.tables[UserRow.__tablename__]
        row = (
            session.connection()
            .execute(
                sa.select(
                    users.c.name, users.c.role, users.c.department, users.c.disabled_at
                ).where(users.c.name == name)
            )
            .one_or_none()
        )
        if row is None:
            raise InputError(f"unknown user {name!r} (add one with `onething users add`)")
        if row.disabled_at is not None:
            raise InputError(f"user {name!r} is disabled")
        self._actors[name] = Actor(row.name, row.role, row.department)
        return self._actors[name]
