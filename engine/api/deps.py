"""What routes depend on: the services, the calling user (`CurrentUser`) and the permission
rule each route is checked against (`guard`), read by the role matrix test from the OpenAPI
document."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine.access.permissions import PERMISSIONS, Principal, scope_of
from engine.api.problems import documented

if TYPE_CHECKING:
    from engine.access.accounts import Accounts
    from engine.calendar import CalendarSet
    from engine.cases.service import CaseService
    from engine.definitions import Catalogue
    from engine.draw.service import DrawService
    from engine.escalation.sweep import Supervision

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # case, workflow, negative matter ids
TEXT_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f]*$"  # free text: tabs and line breaks, no control
FAILED_LOGINS_PER_MINUTE = 20  # per client address; then 429 until the minute has passed
LOOKUPS_PER_MINUTE = 10  # public status lookups (办件进度查询) per client address


@dataclass
class Services:
    """The services the routes call: the same the CLI calls."""

    cases: CaseService
    supervision: Supervision
    accounts: Accounts
    catalogue: Callable[[], Catalogue]
    calendars: CalendarSet
    definitions: Path
    failed_logins: Attempts = field(default_factory=lambda: Attempts(FAILED_LOGINS_PER_MINUTE))
    lookups: Attempts = field(default_factory=lambda: Attempts(LOOKUPS_PER_MINUTE))
    draws: DrawService | None = None  # the inspection draw, when its key is configured


class Attempts:
    """Attempts per client address in the last minute: failed token checks (a guesser is
    slowed down; a good token still passes), public status lookups (every one counts)."""

    def __init__(self, limit: int, window_s: float = 60.0):
        self.limit, self.window_s = limit, window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        seen = self._seen.setdefault(client, deque())
        while seen and seen[0] < now - self.window_s:
            seen.popleft()
        return seen

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client, time.monotonic())) >= self.limit

    def note(self, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(client, now).append(now)


async def services(request: Request) -> Services:
    """The app's services (async: a lookup, so no worker thread is taken for it)."""
    found: Services = request.app.state.services
    return found


Deps = Annotated[Services, Depends(services)]
_bearer = HTTPBearer(auto_error=False, description="The API token `onething users add` printed")


def current_user(
    request: Request,
    deps: Deps,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The enabled user whose bearer token came with the request; 401 otherwise."""
    client = request.client.host if request.client else "?"
    if deps.failed_logins.blocked(client):
        raise HTTPException(429, "too many failed logins from this address; wait a minute")
    if credentials is None:
        raise HTTPException(401, "no bearer token (Authorization: Bearer <token>)")
    user = deps.accounts.authenticate(credentials.credentials)
    if user is None:
        deps.failed_logins.note(client)
        raise HTTPException(401, "the token is unknown, rotated, or its user is disabled")
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]


class _Permit:
    """A route's permission rule: the user's role must allow `action` at all (its scope is
    checked by the route against what it touches)."""

    def __init__(self, action: str):
        if action not in PERMISSIONS:  # a route without a rule is a bug found at import
            raise KeyError(f"no permission rule for {action!r}")
        self.action = action

    async def __call__(self, request: Request, user: CurrentUser) -> Principal:
        scope_of(user, self.action, case=request.path_params.get("case_id"))
        return user


def guard(
    action: str | None, *statuses: int, refuses: dict[int, str] | None = None
) -> dict[str, Any]:
    """The keyword arguments of a route's decorator: checked against `action` of the
    permission table (None: public), with its error answers documented. `refuses` names the
    statuses a request the schema allows may still get, and why (`x-refuses`: the engine
    judges what a schema cannot say — an application against its workflow's fields, a date
    against the calendar's range); any other 4xx means the request broke the schema."""
    extra: dict[str, Any] = {"x-permission": action or "public"}
    if refuses:
        extra["x-refuses"] = {str(status): why for status, why in sorted(refuses.items())}
    if action is None:
        return {"openapi_extra": extra, "responses": documented(*statuses, *(refuses or {}))}
    return {
        "dependencies": [Depends(_Permit(action))],
        "openapi_extra": extra,
        "responses": documented(400, 401, 403, 429, *statuses, *(refuses or {})),
    }
