"""The tamper-evident event log: each event's hash covers its content and the previous hash.

Editing, deleting or reordering any event breaks every later link; `verify_chain` finds the
first broken one. Each write also records, on its first event, the digest of the snapshot it
started from (`prior`) and, on its last, of the snapshot it left (`state`): the case's state is
bound to its log, and a snapshot changed between two writes shows at the next write even though
that write's own result is genuine. Pure: the store hands it the rows.
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


def state_digest(snapshot: str) -> str:
    """The digest of a case's snapshot as stored, recorded in the log beside the write."""
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()


def link_hash(
    prev_hash: str,
    *,
    case_id: str,
    seq: int,
    kind: str,
    actor: str,
    at: str,
    data: str,
    prior: str | None = None,
    state: str | None = None,
) -> str:
    """The hash of one event, chained to the one before it (and covering the state digests
    it records, if any: events written before digests were recorded have none)."""
    parts: tuple[str, ...] = (prev_hash, case_id, str(seq), kind, actor, at, data)
    if prior is not None or state is not None:
        parts += (prior or "", state or "")
    text = "\x1f".join(parts)
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
    prior: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class Break:
    """A place where the log, or the state checked against it, does not hold: an event
    (`seq`), or a stored field (`field`, e.g. `cases.snapshot`, `step_runs[review].status`)."""

    case_id: str
    seq: int | None
    reason: str
    field: str | None = None

    def __str__(self) -> str:
        where = self.field or (f"event {self.seq}" if self.seq is not None else "the log")
        return (
            f"case {self.case_id}: {where}: {self.reason}"
            if self.case_id
            else f"{where}: {self.reason}"
        )


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
            prior=event.prior,
            state=event.state,
        )
        if recomputed != event.hash:
            return Break(event.case_id, event.seq, "content was changed after it was written")
        prev, expected_seq = event.hash, expected_seq + 1
    return None
