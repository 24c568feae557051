"""The tamper-evident event log: each event's hash covers its content and the previous hash.

Editing, deleting or reordering any event breaks every later link; `verify_chain` finds the
first broken one. Pure: the store hands it the rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def link_hash(
    prev_hash: str, *, case_id: str, seq: int, kind: str, actor: str, at: str, data: str
) -> str:
    """The hash of one event, chained to the one before it."""
    text = "\x1f".join((prev_hash, case_id, str(seq), kind, actor, at, data))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoggedEvent:
    case_id: str
    seq: int
    kind: str
    actor: str
    at: str
    data: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Break:
    """The first place where the chain does not hold."""

    case_id: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"case {self.case_id}: event {self.seq}: {self.reason}"


def verify_chain(events: Iterable[LoggedEvent]) -> Break | None:
    """Check one case's events in order; None if the chain is whole."""
    prev, expected_seq = GENESIS, 1
    for event in events:
        if event.seq != expected_seq:
            return Break(event.case_id, expected_seq, f"missing (found event {event.seq} next)")
        if event.prev_hash != prev:
            return Break(event.case_id, event.seq, "does not link to the event before it")
        recomputed = link_hash(
            prev,
            case_id=event.case_id,
            seq=event.seq,
            kind=event.kind,
            actor=event.actor,
            at=event.at,
            data=event.data,
        )
        if recomputed != event.hash:
            return Break(event.case_id, event.seq, "content was changed after it was written")
        prev, expected_seq = event.hash, expected_seq + 1
    return None
