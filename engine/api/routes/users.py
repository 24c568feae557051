"""Users (admins only): a department's admin manages its department's users; a token is
shown once, in the answer that created or rotated it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from engine.access.accounts import UserPublic, posts_of
from engine.access.permissions import ROLE_PATTERN, check_posts, reach, require
from engine.api.deps import CurrentUser, Deps, guard

router = APIRouter(prefix="/users", tags=["users"])
Name = Annotated[str, Path(max_length=64, pattern=r"^[^\x00-\x1f\x7f/]+$")]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
    roles: Annotated[
        list[Annotated[str, Field(pattern=ROLE_PATTERN)]],
        Field(min_length=1, max_length=8, description="each `role` or `role:department`"),
    ]


class Token(BaseModel):
    """A user's API token: shown this once, stored only as a hash."""

    user: UserPublic
    token: str


@router.get("", **guard("users.read"))
def list_users(user: CurrentUser, deps: Deps) -> list[UserPublic]:
    """Users (a department's admin: its department's), never their tokens."""
    departments = reach(user, "users.read")
    if departments is None:
        return deps.accounts.list()
    found = {u.name: u for d in sorted(departments) for u in deps.accounts.list(department=d)}
    return sorted(found.values(), key=lambda u: u.name)


@router.post(
    "",
    status_code=201,
    **guard(
        "users.manage",
        409,
        422,
        refuses={400: "a role without its department, or a department that has no such post"},
    ),
)
def add_user(body: NewUser, user: CurrentUser, deps: Deps) -> Token:
    """Add a user holding one or more roles in the admin's departments."""
    posts = posts_of(body.roles)  # checked first: a role without its department is told so
    check_posts(posts, {d.id: d.roles for d in deps.catalogue().departments.values()})
    for post in posts:  # each of an admin's departments; an unscoped role is no admin's
        require(user, "users.manage", departments={post.department or ""})
    token = deps.accounts.add(body.name, role=body.roles)
    return Token(user=deps.accounts.get(body.name), token=token)


def _managed(deps: Deps, user: CurrentUser, name: str) -> None:
    for role in deps.accounts.get(name).roles:  # an admin of each of the user's departments
        require(user, "users.manage", departments={role.partition("@")[2]})


@router.post("/{name}/disable", **guard("users.manage", 404))
def disable(name: Name, user: CurrentUser, deps: Deps) -> UserPublic:
    """Stop the user's token at once."""
    _managed(deps, user, name)
    return deps.accounts.disable(name)


@router.post("/{name}/rotate-token", **guard("users.manage", 400, 404))
def rotate(name: Name, user: CurrentUser, deps: Deps) -> Token:
    """A new token for the user; the old one stops at once."""
    _managed(deps, user, name)
    return Token(user=deps.accounts.get(name), token=deps.accounts.rotate_token(name))
