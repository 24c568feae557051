"""Server-side sessions of the pages: the browser's cookie holds only a random session id;
the user's token, the CSRF token and the expiry live here. Every request re-checks the token
(a disabled or rotated user is out at once); a session ends on logout, after `idle` without a
request, or `lifetime` after login, measured on the service's clock."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

COOKIE = "onething_session"
IDLE = dt.timedelta(minutes=30)
LIFETIME = dt.timedelta(hours=8)


@dataclass
class Session:
    id: str
    csrf: str
    token: str | None  # None: not logged in yet (the login form's own CSRF token)
    started: dt.datetime
    seen: dt.datetime

    def csrf_ok(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(self.csrf, presented)


class Sessions:
    """The live sessions of one process."""

    def __init__(
        self,
        clock: Callable[[], dt.datetime],
        *,
        idle: dt.timedelta = IDLE,
        lifetime: dt.timedelta = LIFETIME,
    ):
        self.clock, self.idle, self.lifetime = clock, idle, lifetime
        self._live: dict[str, Session] = {}
        self._lock = Lock()

    def start(self, token: str | None = None) -> Session:
        now = self.clock()
        session = Session(
            id=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            token=token,
            started=now,
            seen=now,
        )
        with self._lock:
            self._live[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session of this id (its idle time restarts), or None."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            found = self._live.get(session_id)
            if found is None:
                return None
            if now - found.seen > self.idle or now - found.started > self.lifetime:
                del self._live[session_id]
                return None
            found.seen = now
            return found

    def end(self, session_id: str | None) -> None:
        with self._lock:
            self._live.pop(session_id or "", None)
