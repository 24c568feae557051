"""User accounts and their API tokens: add, list, disable, rotate, authenticate.

A token is 32 random bytes shown once; only its SHA-256 is stored. A presented token is found
by its hash and compared in constant time; a disabled user's token fails from the next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from engine import inputs
from engine.access.permissions import Principal, Role
from engine.cases.case import APPLICANT, SYSTEM
from engine.cases.tables import UserRow
from engine.clock import as_utc
from engine.errors import InputError, NotFound
from engine.retry import CONTENTION
from engine.store.unit_of_work import UnitOfWork

TOKEN_PREFIX = "ot_"


class UserPublic(BaseModel):
    """A user as `users list` and the API show one (never the token's hash)."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: str
    department: str | None
    created_at: dt.datetime
    disabled_at: dt.datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The users of one database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime]):
        self.engine, self.clock = engine, clock

    def add(self, name: str, *, role: str, department: str | None) -> str:
        """Create a user; returns its API token, shown once and stored only as a hash."""
        inputs.name("user", name)
        if name in (APPLICANT, SYSTEM):
            raise InputError(f"{name!r} is a reserved actor, not a user name")
        token = _new_token()

        def attempt() -> str:  # a racing twin's insert: run again, and find it there
            with UnitOfWork(self.engine) as uow:
                if uow.session.get(UserRow, name):
                    raise InputError(f"user {name!r} already exists")
                uow.session.add(
                    UserRow(
                        name=name,
                        role=role,
                        department=department,
                        token_hash=token_hash(token),
                        created_at=as_utc(self.clock()),
                    )
                )
                uow.commit()
            return token

        return CONTENTION.run(attempt)

    def names(self) -> set[str]:
        with Session(self.engine) as session:
            return set(session.exec(select(UserRow.name)).all())

    def list(self, *, department: str | None = None) -> list[UserPublic]:
        """Every user (of `department`, if given), by name."""
        query = select(UserRow).order_by(col(UserRow.name))
        if department is not None:
            query = query.where(UserRow.department == department)
        with Session(self.engine) as session:
            return [_public(row) for row in session.exec(query)]

    def get(self, name: str) -> UserPublic:
        with Session(self.engine) as session:
            return _public(_found(session, name))

    def principal(self, name: str) -> Principal:
        """The enabled user called `name`, as who acts at a command line."""
        user = self.get(inputs.name("actor", name))
        if user.disabled_at is not None:
            raise InputError(f"user {name!r} is disabled")
        return Principal(user.name, Role(user.role), user.department)

    def disable(self, name: str) -> UserPublic:
        """Stop the user's token at once (kept for the record: past actions name the user)."""
        with UnitOfWork(self.engine) as uow:
            row = _found(uow.session, name)
            if row.disabled_at is None:
                row.disabled_at = as_utc(self.clock())
                uow.session.add(row)
                uow.commit()
                uow.session.refresh(row)
            return _public(row)

    def rotate_token(self, name: str) -> str:
        """A new token for an enabled user; the old one stops working at once."""
        token = _new_token()
        with UnitOfWork(self.engine) as uow:
            row = _found(uow.session, name)
            if row.disabled_at is not None:
                raise InputError(f"user {name!r} is disabled")
            row.token_hash = token_hash(token)
            uow.session.add(row)
            uow.commit()
        return token

    def authenticate(self, token: str) -> Principal | None:
        """The enabled user whose token this is, else None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
            return None
        presented = token_hash(token)
        users = SQLModel.metadata.tables[UserRow.__tablename__]
        query = sa.select(
            users.c.name, users.c.role, users.c.department, users.c.token_hash, users.c.disabled_at
        ).where(users.c.token_hash == presented)
        with self.engine.connect() as connection:  # a core query: every request makes one
            row = connection.execute(query).first()
        if row is None or row.token_hash is None or row.disabled_at is not None:
            return None
        if row.name in (APPLICANT, SYSTEM):  # a row put there by hand is no user: the API and
            return None  # the pages never act as the engine (its checks would not apply)
        if not hmac.compare_digest(row.token_hash, presented):
            return None
        try:
            role = Role(row.role)
        except ValueError:
            return None
        return Principal(row.name, role, row.department)


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _found(session: Session, name: str) -> UserRow:
    row = session.get(UserRow, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    return row


def _public(row: UserRow) -> UserPublic:
    return UserPublic(
        name=row.name,
        role=row.role,
        department=row.department,
        created_at=as_utc(row.created_at),
        disabled_at=as_utc(row.disabled_at) if row.disabled_at else None,
    )
