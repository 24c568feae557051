"""Idempotency keys: a command retried under the same key returns its first result and
changes nothing; a different command under a used key is refused, naming the first use.

A key stands for the whole command — the action, its case (for a submit, the workflow), the
actor and every argument (for a submit, the application) — kept as a digest beside the first
result, so an officer is never told he did what he did not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from engine.calendar.display import moment_text
from engine.cases.audit import canonical
from engine.cases.tables import CommandRow, among
from engine.clock import as_utc
from engine.errors import InputError, OnethingError
from engine.views.cases import CaseView


def identity(action: str, target: str, actor: str, args: Mapping[str, Any]) -> str:
    """The digest of a whole command: action, case (or workflow), actor and arguments."""
    command = {"action": action, "target": target, "actor": actor, "args": dict(args)}
    return hashlib.sha256(canonical(command).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Done:
    """A command that ran under an idempotency key: what it was, and its first result."""

    key: str
    case_id: str
    action: str
    result: CaseView
    command: str | None  # its identity (None: recorded before identities were kept)
    at: dt.datetime | None = None

    def answer(self, action: str, target: str, command: str) -> CaseView | OnethingError:
        """The first result for a retry of the same command (`target`: its case, or for a
        submit its workflow; `command`: its identity); an error for any other command."""
        if self.command is None:  # an old record knows only the action and the target
            same = action == self.action and target == (
                self.result.workflow if action == "submit" else self.case_id
            )
        else:
            same = command == self.command
        if same:
            return self.result
        zone = self.result.submitted_at.tzinfo  # the case's calendar zone, never UTC
        when = f" at {moment_text(self.at, zone)}" if self.at and zone else ""
        return InputError(
            f"idempotency key {self.key!r} was already used for {self.action} on case "
            f"{self.case_id}{when} with other details (step, actor or arguments): a different "
            "command needs a new key"
        )


def done(session: Session, keys: list[str]) -> dict[str, Done]:
    """The commands under `keys` that ran."""
    if not keys:
        return {}
    commands = SQLModel.metadata.tables[CommandRow.__tablename__]
    rows = session.connection().execute(
        sa.select(
            commands.c.key,
            commands.c.case_id,
            commands.c.action,
            commands.c.result,
            commands.c.command,
            commands.c.at,
        ).where(among(session, commands.c.key, keys))
    )
    return {
        r.key: Done(
            r.key,
            r.case_id,
            r.action,
            CaseView.model_validate_json(r.result),
            r.command,
            as_utc(r.at),
        )
        for r in rows
    }


def command_row(
    key: str, view: CaseView, action: str, command: str, now: dt.datetime
) -> dict[str, Any]:
    """The row that keeps a keyed command's identity and first result (a racing twin's insert
    of the same key fails on the primary key, and the unit of work runs again)."""
    return {
        "key": key,
        "case_id": view.id,
        "action": action,
        "command": command,
        "result": view.model_dump_json(),
        "at": as_utc(now),
    }
