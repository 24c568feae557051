"""Officers (users): who may act, with which role and in which department."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from engine.cases.case import APPLICANT, SYSTEM, Actor
from engine.cases.tables import UserRow
from engine.clock import as_utc
from engine.errors import InputError


class Users:
    """The officers of one database; a found one is remembered (users are only ever added)."""

    engine: Engine
    clock: Callable[[], dt.datetime]
    _actors: dict[str, Actor]

    def add_user(self, name: str, *, role: str, department: str | None) -> str:
        """Create an officer; returns an API token, shown once and stored only as a hash."""
        token = secrets.token_urlsafe(24)
        with Session(self.engine) as session:
            if session.get(UserRow, name):
                raise InputError(f"user {name!r} already exists")
            session.add(
                UserRow(
                    name=name,
                    role=role,
                    department=department,
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    created_at=as_utc(self.clock()),
                )
            )
            session.commit()
        return token

    def user_names(self) -> set[str]:
        with Session(self.engine) as session:
            return set(session.exec(select(UserRow.name)).all())

    def actor(self, session: Session, name: str) -> Actor:
        """The actor called `name` (the applicant, the system, or an officer)."""
        if name in (APPLICANT, SYSTEM):
            return Actor(name, name)
        if (known := self._actors.get(name)) is not None:
            return known
        users = SQLModel.metadata.tables[UserRow.__tablename__]
        row = (
            session.connection()
            .execute(
                sa.select(users.c.name, users.c.role, users.c.department).where(
                    users.c.name == name
                )
            )
            .one_or_none()
        )
        if row is None:
            raise InputError(f"unknown user {name!r} (add one with `onething users add`)")
        self._actors[name] = Actor(row.name, row.role, row.department)
        return self._actors[name]
