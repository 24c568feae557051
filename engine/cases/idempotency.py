"""Idempotency keys: a command retried under the same key returns its first result and
changes nothing; the same key on another command is refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from engine.cases.tables import CommandRow, among
from engine.clock import as_utc
from engine.errors import InputError, OnethingError
from engine.views.cases import CaseView


@dataclass(frozen=True)
class Done:
    """A command that ran under an idempotency key: what it was, and its first result."""

    key: str
    case_id: str
    action: str
    result: CaseView

    def answer(self, action: str, target: str) -> CaseView | OnethingError:
        """The first result for a retry of the same command (`target`: its case, or for a
        submit its workflow); an error for another command reusing the key."""
        same = target == (self.result.workflow if action == "submit" else self.case_id)
        if action == self.action and same:
            return self.result
        return InputError(
            f"idempotency key {self.key!r} was already used for {self.action} on case "
            f"{self.case_id}: a different command needs a new key"
        )


def done(session: Session, keys: list[str]) -> dict[str, Done]:
    """The commands under `keys` that ran."""
    if not keys:
        return {}
    commands = SQLModel.metadata.tables[CommandRow.__tablename__]
    rows = session.connection().execute(
        sa.select(commands.c.key, commands.c.case_id, commands.c.action, commands.c.result).where(
            among(session, commands.c.key, keys)
        )
    )
    return {
        r.key: Done(r.key, r.case_id, r.action, CaseView.model_validate_json(r.result))
        for r in rows
    }


def command_row(key: str, view: CaseView, action: str, now: dt.datetime) -> dict[str, Any]:
    """The row that keeps a keyed command's first result (a racing twin's insert of the same
    key fails on the primary key, and the unit of work runs again)."""
    return {
        "key": key,
        "case_id": view.id,
        "action": action,
        "result": view.model_dump_json(),
        "at": as_utc(now),
    }
