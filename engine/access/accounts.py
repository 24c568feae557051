"""User accounts and their API tokens: add, list, disable, rotate, authenticate.

A user holds one or more roles (`Post`s). A token is 32 random bytes shown once; only its
SHA-256 is stored. A presented token is found by its hash and compared in constant time; a
disabled user's token fails from the next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from engine import inputs
from engine.access.permissions import Post, Principal
from engine.cases.case import APPLICANT, SYSTEM
from engine.cases.tables import UserRoleRow, UserRow
from engine.clock import as_utc
from engine.errors import InputError, NotFound
from engine.retry import CONTENTION
from engine.store.unit_of_work import UnitOfWork

TOKEN_PREFIX = "ot_"


class UserPublic(BaseModel):
    """A user as `users list` and the API show one (never the token's hash)."""

    model_config = ConfigDict(frozen=True)

    name: str
    roles: list[str]  # each `role` or `role@department`
    created_at: dt.datetime
    disabled_at: dt.datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The users of one database."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], dt.datetime],
        local: Callable[[dt.datetime], dt.datetime] | None = None,
    ):
        """`local`: a moment in the calendar's zone (`WorkingCalendar.local`), for the moments
        users see; without it they stay in UTC."""
        self.engine, self.clock = engine, clock
        self.local = local or (lambda moment: moment)

    def _public(self, row: UserRow, posts: tuple[Post, ...]) -> UserPublic:
        created_at, disabled_at = as_utc(row.created_at), as_utc(row.disabled_at)
        assert created_at is not None
        return UserPublic(
            name=row.name,
            roles=[str(post) for post in posts],
            created_at=self.local(created_at),
            disabled_at=self.local(disabled_at) if disabled_at else None,
        )

    def add(self, name: str, *, role: str | Iterable[str], department: str | None = None) -> str:
        """Create a user holding `role` (or several: each `role` or `role:department`, the
        department defaulting to `department`); returns its API token, shown once and stored
        only as a hash. The roles' fit to the departments is the caller's `check_post`."""
        inputs.name("user", name)
        if name in (APPLICANT, SYSTEM):
            raise InputError(f"{name!r} is a reserved actor, not a user name")
        posts = posts_of(role, department)
        token = _new_token()

        def attempt() -> str:  # a racing twin's insert: run again, and find it there
            with UnitOfWork(self.engine) as uow:
                if uow.session.get(UserRow, name):
                    raise InputError(f"user {name!r} already exists")
                uow.session.add(
                    UserRow(
                        name=name, token_hash=token_hash(token), created_at=as_utc(self.clock())
                    )
                )
                uow.session.flush()
                for post in posts:
                    uow.session.add(
                        UserRoleRow(user_name=name, role=post.role, department=post.department)
                    )
                uow.commit()
            return token

        return CONTENTION.run(attempt)

    def names(self) -> set[str]:
        with Session(self.engine) as session:
            return set(session.exec(select(UserRow.name)).all())

    def list(self, *, department: str | None = None) -> list[UserPublic]:
        """Every user (holding a role in `department`, if given), by name."""
        query = select(UserRow).order_by(col(UserRow.name))
        if department is not None:
            query = query.where(
                col(UserRow.name).in_(
                    select(UserRoleRow.user_name).where(UserRoleRow.department == department)
                )
            )
        with Session(self.engine) as session:
            users = list(session.exec(query))
            posts = _posts(session, [u.name for u in users])
            return [self._public(row, posts.get(row.name, ())) for row in users]

    def get(self, name: str) -> UserPublic:
        with Session(self.engine) as session:
            return self._public(_found(session, name), _posts(session, [name]).get(name, ()))

    def principal(self, name: str) -> Principal:
        """The enabled user called `name`, as who acts at a command line."""
        with Session(self.engine) as session:
            row = _found(session, inputs.name("actor", name))
            if row.disabled_at is not None:
                raise InputError(f"user {name!r} is disabled")
            return Principal(row.name, _posts(session, [row.name]).get(row.name, ()))

    def disable(self, name: str) -> UserPublic:
        """Stop the user's token at once (kept for the record: past actions name the user)."""
        with UnitOfWork(self.engine) as uow:
            row = _found(uow.session, name)
            if row.disabled_at is None:
                row.disabled_at = as_utc(self.clock())
                uow.session.add(row)
                uow.commit()
                uow.session.refresh(row)
            return self._public(row, _posts(uow.session, [name]).get(name, ()))

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
        """The enabled user whose token this is, with its roles; else None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
            return None
        presented = token_hash(token)
        users = SQLModel.metadata.tables[UserRow.__tablename__]
        roles = SQLModel.metadata.tables[UserRoleRow.__tablename__]
        query = (  # a core query, one round trip: every request makes one
            sa.select(users.c.name, users.c.token_hash, roles.c.role, roles.c.department)
            .join(roles, roles.c.user_name == users.c.name)
            .where(users.c.token_hash == presented, users.c.disabled_at.is_(None))
            .order_by(roles.c.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows or not hmac.compare_digest(rows[0].token_hash or "", presented):
            return None
        if rows[0].name in (APPLICANT, SYSTEM):  # a row put there by hand is no user: the API
            return None  # and the pages never act as the engine (its checks would not apply)
        try:
            posts = tuple(Post.parse(f"{r.role}:{r.department or ''}") for r in rows)
        except InputError:  # a role this version does not know: no access rather than a guess
            return None
        return Principal(rows[0].name, posts)


def posts_of(role: str | Iterable[str], department: str | None = None) -> tuple[Post, ...]:
    """The posts of `role` texts (`role` or `role:department`; `department` the default),
    each once, in the order given."""
    texts = [role] if isinstance(role, str) else list(role)
    if not texts:
        raise InputError("a user needs at least one role (--role)")
    posts: list[Post] = []
    for text in texts:
        post = Post.parse(text)
        if post.department is None and department is not None:
            post = Post(post.role, department)
        if post not in posts:
            posts.append(post)
    return tuple(posts)


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _found(session: Session, name: str) -> UserRow:
    row = session.get(UserRow, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    return row


def _posts(session: Session, names: list[str]) -> dict[str, tuple[Post, ...]]:
    query = select(UserRoleRow).where(col(UserRoleRow.user_name).in_(names))
    found: dict[str, tuple[Post, ...]] = {}
    for row in session.exec(query.order_by(col(UserRoleRow.id))):
        post = Post.parse(f"{row.role}:{row.department or ''}")
        found[row.user_name] = (*found.get(row.user_name, ()), post)
    return found
