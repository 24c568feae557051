"""Users (admins only): a department's admin manages its department's users; a token is
shown once, in the answer that created or rotated it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from engine.access.accounts import UserPublic
from engine.access.permissions import Scope, check_role, require
from engine.api.deps import CurrentUser, Deps, guard
from engine.errors import InputError

router = APIRouter(prefix="/users", tags=["users"])
Name = Annotated[str, Path(max_length=64, pattern=r"^[^\x00-\x1f\x7f/]+$")]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
    role: Annotated[str, Field(max_length=32)]
    department: Annotated[str, Field(max_length=64)] | None = None


class Token(BaseModel):
    """A user's API token: shown this once, stored only as a hash."""

    user: UserPublic
    token: str


@router.get("", **guard("users.read"))
def list_users(user: CurrentUser, deps: Deps) -> list[UserPublic]:
    """Users (a department's admin: its department's), never their tokens."""
    scope = require(user, "users.read")
    return deps.accounts.list(department=None if scope is Scope.ALL else user.department)


@router.post("", status_code=201, **guard("users.manage", 400, 409, 422))
def add_user(body: NewUser, user: CurrentUser, deps: Deps) -> Token:
    """Add a user to the admin's department."""
    require(user, "users.manage", departments={body.department} if body.department else set())
    departments = deps.catalogue().departments
    if body.department not in departments:
        raise InputError(f"unknown department {body.department!r}")
    check_role(body.role, body.department, officer_roles=set(departments[body.department].roles))
    token = deps.accounts.add(body.name, role=body.role, department=body.department)
    return Token(user=deps.accounts.get(body.name), token=token)


def _managed(deps: Deps, user: CurrentUser, name: str) -> None:
    found = deps.accounts.get(name)
    require(user, "users.manage", departments={found.department} if found.department else set())


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
