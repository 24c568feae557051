"""Officers as the case machine sees them: who acts, with which role, in which department
(accounts and their tokens are `engine.access.accounts`). A user with several roles is one
actor per role; an action is taken in the first of them the rules allow (`as_first_allowed`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from engine import inputs
from engine.cases.case import APPLICANT, SYSTEM, Actor
from engine.cases.errors import NotPermitted
from engine.cases.tables import UserRoleRow, UserRow
from engine.errors import InputError

T = TypeVar("T")


class Users:
    """The officers of one database; a found one is remembered (a user is never removed, and
    one disabled later is stopped at the entry point: its token no longer authenticates)."""

    engine: Engine
    clock: Callable[[], dt.datetime]
    _actors: dict[str, tuple[Actor, ...]]

    def actor(self, session: Session, name: str) -> Actor:
        """The actor called `name` in its first role (the applicant, the system, an officer)."""
        return self.actors(session, name)[0]

    def actors(self, session: Session, name: str) -> tuple[Actor, ...]:
        """The actor called `name` in each of its roles, in the order they were given."""
        inputs.name("actor", name)
        if name in (APPLICANT, SYSTEM):
            return (Actor(name, name),)
        if (known := self._actors.get(name)) is not None:
            return known
        users = SQLModel.metadata.tables[UserRow.__tablename__]
        roles = SQLModel.metadata.tables[UserRoleRow.__tablename__]
        rows = (
            session.connection()
            .execute(
                sa.select(users.c.name, users.c.disabled_at, roles.c.role, roles.c.department)
                .join(roles, roles.c.user_name == users.c.name)
                .where(users.c.name == name)
                .order_by(roles.c.id)
            )
            .all()
        )
        if not rows:
            raise InputError(f"unknown user {name!r} (add one with `onething users add`)")
        if rows[0].disabled_at is not None:
            raise InputError(f"user {name!r} is disabled")
        self._actors[name] = tuple(Actor(r.name, r.role, r.department) for r in rows)
        return self._actors[name]


def as_first_allowed(actors: Sequence[Actor], attempt: Callable[[Actor], T]) -> T:
    """`attempt` as the first of a user's roles the rules allow: a refusal for who the actor
    is (`NotPermitted`) tries the next role; any other refusal stands. Every role refused:
    the first refusal."""
    refused: NotPermitted | None = None
    for actor in actors:
        try:
            return attempt(actor)
        except NotPermitted as error:
            refused = refused or error
    assert refused is not None, "an actor has at least one role"
    raise refused
